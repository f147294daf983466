"""The language facts the guide states without a measurement (report_lib.python_facts): every
one holds on this interpreter (Debian's Python 3.11), and a check fed a wrong expectation fails."""
import unittest

from report_lib.python_facts import FACTS, FactFailed

# The ids the guide and its test refer to: renaming or dropping one is a change the lead must see.
EXPECTED_IDS = {
    "wait_refuses_coroutines", "epoll_refuses_regular_files", "udp_class_without_base",
    "chat_reset_disconnects_sender", "gather_leaves_siblings_running", "taskgroup_cancels_siblings",
    "await_without_suspending_does_not_yield", "shield_caller_still_cancelled", "cancel_can_be_swallowed",
    "unretrieved_exception_logged", "await_outside_async_is_syntax_error", "run_refuses_running_loop",
    "runner_takes_loop_factory", "default_executor_size", "connector_defaults", "nonblocking_recv_raises",
    "wait_cancels_nothing", "wait_for_waits_for_cleanup", "timeout_error_is_builtin",
}


class PythonFacts(unittest.TestCase):
    def test_the_registry_holds_every_expected_fact(self):
        self.assertEqual(set(FACTS), EXPECTED_IDS)
        for fact_id, fact in FACTS.items():
            self.assertEqual(fact.id, fact_id)
            self.assertTrue(fact.statement.endswith("."), fact.statement)  # one sentence, as the guide says it

    def test_every_fact_holds_on_this_interpreter(self):
        for fact in FACTS.values():
            with self.subTest(fact=fact.id):
                try:
                    observed = fact.check()
                except FactFailed as failure:
                    self.fail(f"{fact.id} does not hold: {failure.observed}")
                self.assertIsInstance(observed, str)
                self.assertTrue(observed)

    def test_a_check_fed_a_wrong_expectation_fails_with_what_it_observed(self):
        with self.assertRaises(FactFailed) as caught:
            FACTS["wait_refuses_coroutines"].check(expected=ValueError)
        self.assertIn("TypeError", caught.exception.observed)
        with self.assertRaises(FactFailed) as caught:
            FACTS["default_executor_size"].check(expected=1000)
        self.assertIn("threads", caught.exception.observed)


if __name__ == "__main__":
    unittest.main()
