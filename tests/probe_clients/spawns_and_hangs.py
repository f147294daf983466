"""Starts a child process (sleep 300), writes its PID to the file named by the first argument,
and hangs: probe's --time-limit must kill both.

    spawns_and_hangs.py PID_FILE
"""
import os
import subprocess
import sys
import time

child = subprocess.Popen(["/bin/sleep", "300"])
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(child.pid))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])  # the reader never sees half a number
time.sleep(300)
