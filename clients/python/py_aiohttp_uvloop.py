"""py_aiohttp_uvloop: py_aiohttp on uvloop's event loop, to show what the
loop implementation costs (aiohttp_common)."""

import aiohttp_common
import model_protocol as mp

(uvloop,) = mp.import_or_report("uvloop")

if __name__ == "__main__":
    aiohttp_common.main(loop_factory=uvloop.new_event_loop, loop_name="uvloop")
