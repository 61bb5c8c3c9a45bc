#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Samples the emulated CPU's PSW for `make profile` (tools/profile.sh).

    profile-sample.py CONSOLE OUT PORT USER:PASSWORD RUNNER_PID

While the Hercules console (CONSOLE) shows a "kvm_s390-profile: start MODULE" with no
"end" after it, asks Hercules' HTTP console on PORT for the "psw" command, one request
at a time (Hercules 3.13's HTTP server corrupts its heap under concurrent requests:
"free(): unaligned chunk detected"), as fast as it answers, and appends "MODULE MASK
ADDRESS" (the PSW's
first word and its instruction address, in hex) per answer to OUT. The requests come
at times unrelated to what the CPU does, so the addresses are a time sample of where it
is. Ends when the test host is done or RUNNER_PID (tools/run-hercules.sh) is gone.
"""

import base64
import os
import re
import sys
import threading
import time
import urllib.parse
import urllib.request

THREADS = 1
PSW = re.compile(r"PSW=([0-9A-F]{8}) [0-9A-F]{8} ([0-9A-F]{16})")
MARK = re.compile(r"kvm_s390-profile: (start|end) (\S+)")


def main():
    console, out, port, auth, runner = sys.argv[1:6]
    url = "http://127.0.0.1:%s/cgi-bin/tasks/syslog?%s" % (
        port, urllib.parse.urlencode({"command": "psw", "msgcount": "3"}))
    header = "Basic " + base64.b64encode(auth.encode()).decode()
    state = {"module": None, "done": False, "samples": 0}
    lock = threading.Lock()

    def sampler(f):
        while not state["done"]:
            module = state["module"]
            if module is None:
                time.sleep(0.1)
                continue
            req = urllib.request.Request(url, headers={"Authorization": header})
            try:
                page = urllib.request.urlopen(req, timeout=5).read().decode("latin1")
            except OSError:
                time.sleep(0.1)
                continue
            found = PSW.findall(page)
            # Only the answer's last PSW line is this request's; drop it if the
            # module changed meanwhile.
            if found and state["module"] == module:
                with lock:
                    f.write("%s %s %s\n" % (module, found[-1][0], found[-1][1]))
                    state["samples"] += 1

    with open(out, "w") as f:
        threads = [threading.Thread(target=sampler, args=(f,)) for _ in range(THREADS)]
        for t in threads:
            t.start()
        while True:
            try:
                with open(console, "rb") as c:
                    text = c.read().decode("latin1")
            except OSError:
                text = ""
            marks = MARK.findall(text)
            state["module"] = marks[-1][1] if marks and marks[-1][0] == "start" else None
            if "KVMS390-TESTS-DONE" in text:
                break
            try:
                os.kill(int(runner), 0)
            except OSError:
                break
            time.sleep(0.5)
        state["done"] = True
        for t in threads:
            t.join()
    print("profile-sample.py: %d samples" % state["samples"], file=sys.stderr)


if __name__ == "__main__":
    main()
