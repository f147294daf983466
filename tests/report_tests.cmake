# The report generator's tests (Python unittest: statistics, verdict rule,
# name parsing, and scripts/report end to end on a fixture).
# include(report_tests.cmake) from tests/CMakeLists.txt.
# scripts/python picks an interpreter with matplotlib (Debian's python3).
add_test(NAME report_unit
         COMMAND ${CMAKE_SOURCE_DIR}/scripts/python -m unittest discover
                 -s ${CMAKE_SOURCE_DIR}/tests/report -t ${CMAKE_SOURCE_DIR}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
# No __pycache__ in the source tree from test runs.
set_tests_properties(report_unit PROPERTIES TIMEOUT 300 ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1")
