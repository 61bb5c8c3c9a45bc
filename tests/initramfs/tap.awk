# SPDX-License-Identifier: GPL-2.0
#
# Reads the output of one test binary and prints one line per TAP result:
#	subtest<TAB>PASS|FAIL|SKIP|XFAIL|XPASS<TAB>reason
# and writes what the runner needs about the binary as a whole to the file
# named by -v meta=FILE, one "key<TAB>value" a line:
#	tap       1 if any TAP line (version, plan, result, "Bail out!") was seen
#	plan      the planned count (1..N), -1 without a plan
#	results   how many results were reported
#	fails     how many of them failed (not ok, XPASS)
#	skipall   the reason of "1..0 # SKIP reason" (the whole binary skipped)
#	lastskip  1 if the last result is an unnamed "ok N # SKIP" (ksft_exit_skip)
#	bailout   the text of "Bail out!"
#	running   the kselftest-harness test that started (#  RUN) without a result
#	hint      the first diagnostic line after the last result (why it ended)
#
# Kselftest harness and ksft_* output are both TAP 13: "ok N name",
# "not ok N name", "ok N name # SKIP reason", comments start with "#".
# Subtest names are the TAP description up to a " # " directive, white space
# turned into "_"; an empty description becomes "#N", a repeated one "name#N".
# The diagnostic of a failed subtest is its first comment line since the
# previous result that is not bookkeeping of the harness.
#
# Runs under busybox awk in the test host and under any POSIX awk on the
# build machine: no gawk extensions.

function trim(s) {
	sub(/^[ \t]+/, "", s)
	sub(/[ \t]+$/, "", s)
	return s
}

function clean(s) {
	gsub(/[\t\r]/, " ", s)
	return trim(s)
}

# Comment lines that say nothing about why a test failed.
function bookkeeping(c) {
	return c ~ /^RUN / || c ~ /^(OK|FAIL)  / || c ~ /^Starting [0-9]+ tests/ ||
		c ~ /^Totals: / || c ~ /^Planned tests / || c ~ /^(PASSED|FAILED): [0-9]+ \/ / ||
		c ~ /^SKIP / || c ~ /^[0-9]+ skipped test/ || c == ""
}

BEGIN {
	plan = -1
	tap = 0
	nres = 0
	nfail = 0
	skipall = ""
	lastskip = 0
	bailout = ""
	running = ""
	diag = ""
}

{ sub(/\r$/, "") }

# The runner appends the kernel log of a test that made the kernel complain.
/^---- kernel log during / { exit }

/^TAP version / { tap = 1; next }

/^1\.\.[0-9]+/ {
	tap = 1
	s = $0
	sub(/^1\.\./, "", s)
	plan = s + 0
	if (match(s, /#[ \t]*[Ss][Kk][Ii][Pp]/)) {
		r = substr(s, RSTART + RLENGTH)
		skipall = clean(r)
		sub(/^- /, "", skipall)
		if (skipall == "")
			skipall = "skipped"
	}
	next
}

/^Bail out!/ {
	tap = 1
	bailout = clean(substr($0, 11))
	if (bailout == "")
		bailout = "(no reason given)"
	next
}

/^(not )?ok [0-9]+/ {
	tap = 1
	ok = ($0 ~ /^ok /)
	rest = $0
	sub(/^(not )?ok /, "", rest)
	match(rest, /^[0-9]+/)
	num = substr(rest, 1, RLENGTH)
	rest = trim(substr(rest, RLENGTH + 1))
	desc = ""
	dir = ""
	if (substr(rest, 1, 1) == "#") {
		dir = substr(rest, 2)
	} else {
		i = index(rest, " # ")
		if (i > 0) {
			desc = substr(rest, 1, i - 1)
			dir = substr(rest, i + 3)
		} else {
			desc = rest
		}
	}
	desc = clean(desc)
	sub(/^- /, "", desc)
	dir = clean(dir)
	gsub(/[ \t]+/, "_", desc)
	if (length(desc) > 120)
		desc = substr(desc, 1, 120)
	name = desc
	if (name == "")
		name = "#" num
	else if (name in seen)
		name = name "#" num
	seen[name] = 1

	status = ok ? "PASS" : "FAIL"
	reason = ""
	if (ok && toupper(substr(dir, 1, 4)) == "SKIP") {
		status = "SKIP"
		reason = clean(substr(dir, 5))
		if (reason == "")
			reason = "skipped"
	} else if (ok && toupper(substr(dir, 1, 5)) == "XFAIL") {
		status = "XFAIL"
		reason = clean(substr(dir, 6))
	} else if (ok && toupper(substr(dir, 1, 5)) == "XPASS") {
		status = "XPASS"
		reason = clean(substr(dir, 6))
	} else if (!ok) {
		reason = diag
		if (dir != "")
			reason = (reason == "") ? dir : reason "; " dir
	}
	if (status == "FAIL" || status == "XPASS")
		nfail++
	lastskip = (status == "SKIP" && desc == "")
	nres++
	printf "%s\t%s\t%s\n", name, status, reason
	running = ""
	diag = ""
	hint = ""
	assertion = 0
	hint_assert = ""
	next
}

/^#/ {
	c = clean(substr($0, 2))
	if (c ~ /^RUN /) {
		running = c
		sub(/^RUN[ \t]+/, "", running)
		sub(/[ \t]*\.\.\.$/, "", running)
		diag = ""
		next
	}
	if (!bookkeeping(c)) {
		if (diag == "")
			diag = c
		if (hint == "")
			hint = c
	}
	next
}

# Anything else (a test's own output, an assertion report on stderr):
# only the first line after the last result is kept, as a hint of the end.
{
	c = clean($0)
	if (c == "")
		next
	if (c ~ /Test Assertion Failure/) {
		assertion = 1
		next
	}
	if (assertion && hint_assert == "") {
		hint_assert = "assertion failed: " c
		next
	}
	if (hint == "")
		hint = c
}

END {
	if (hint_assert != "")
		hint = hint_assert
	if (meta != "") {
		printf "tap\t%d\n", tap > meta
		printf "plan\t%d\n", plan > meta
		printf "results\t%d\n", nres > meta
		printf "fails\t%d\n", nfail > meta
		printf "skipall\t%s\n", skipall > meta
		printf "lastskip\t%d\n", lastskip > meta
		printf "bailout\t%s\n", bailout > meta
		printf "running\t%s\n", running > meta
		printf "hint\t%s\n", substr(hint, 1, 150) > meta
		close(meta)
	}
}
