# SPDX-License-Identifier: GPL-2.0
#
# Applies tests/expectations.tsv to raw results and prints summary rows.
#
#   awk -v bed=BED -v backend=NAME [-v used=FILE] -f tools/expectations.awk \
#       tests/expectations.tsv RAW
#
# RAW has one line per result, "test<TAB>PASS|FAIL|SKIP|XFAIL|XPASS<TAB>reason"
# (XFAIL and XPASS as a test may declare them itself).  Output lines are
# "bed<TAB>backend<TAB>test<TAB>PASS|FAIL|SKIP|XFAIL<TAB>reason".
#
# An expectation is "bed<TAB>backend<TAB>test<TAB>SKIP|XFAIL|FLAKY<TAB>reason";
# bed, backend and test are globs ("*" and "?") matched against the whole
# name (a bed "hercules*" covers hercules and hercules-debug).  The first line that matches a result is the
# one that applies.  The rules:
#
#   result  no entry                SKIP entry       XFAIL entry        FLAKY entry
#   PASS    PASS                    PASS             FAIL (unexpected   PASS
#                                                    pass)
#   FAIL    FAIL                    FAIL             XFAIL              XFAIL ("intermittent")
#   SKIP    FAIL (unlisted skip)    SKIP             FAIL (unlisted     FAIL (unlisted skip)
#                                                    skip)
#   XFAIL   FAIL (unlisted xfail)   FAIL             XFAIL              XFAIL
#   XPASS   FAIL                    FAIL             FAIL               FAIL
#
# With -v used=FILE, the line numbers of the entries that matched are
# appended to FILE (tools/check.sh reports entries that match nothing).

function glob2re(g,    i, c, re) {
	re = "^"
	for (i = 1; i <= length(g); i++) {
		c = substr(g, i, 1)
		if (c == "*")
			re = re ".*"
		else if (c == "?")
			re = re "."
		else if (c == "\\")
			re = re "\\\\"
		else if (c == "^")
			re = re "\\^"
		else if (index(".[]()+{}$|/", c))
			re = re "[" c "]"
		else
			re = re c
	}
	return re "$"
}

function bad(msg) {
	printf "expectations.awk: %s line %d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
	failed = 1
	exit 2
}

BEGIN { FS = "\t"; OFS = "\t"; n = 0 }

FILENAME == ARGV[1] {
	if ($0 ~ /^[ \t]*(#|$)/)
		next
	if (NF != 5 || $1 == "" || $2 == "" || $3 == "" || $5 == "")
		bad("want bed<TAB>backend<TAB>test<TAB>SKIP|XFAIL|FLAKY<TAB>reason")
	if ($4 != "SKIP" && $4 != "XFAIL" && $4 != "FLAKY")
		bad("status must be SKIP, XFAIL or FLAKY, not " $4)
	if (bed !~ glob2re($1) || backend !~ glob2re($2))
		next
	n++
	re[n] = glob2re($3)
	st[n] = $4
	why[n] = $5
	lineno[n] = FNR
	next
}

{
	t = $1
	s = $2
	r = $3
	k = 0
	for (i = 1; i <= n; i++)
		if (t ~ re[i]) {
			k = i
			break
		}
	e = k ? st[k] : ""
	if (k && used != "")
		print lineno[k] >> used
	if (s == "PASS") {
		if (e == "XFAIL") {
			s = "FAIL"
			r = "unexpected pass: remove it from tests/expectations.tsv (listed XFAIL: " why[k] ")"
		}
	} else if (s == "FAIL") {
		if (e == "XFAIL") {
			s = "XFAIL"
			r = why[k] (r != "" ? " (" r ")" : "")
		} else if (e == "FLAKY") {
			s = "XFAIL"
			r = "intermittent: " why[k] (r != "" ? " (" r ")" : "")
		}
	} else if (s == "SKIP") {
		if (e == "SKIP") {
			r = why[k] (r != "" && r != why[k] ? " (test: " r ")" : "")
		} else {
			s = "FAIL"
			r = "unlisted skip: " r
		}
	} else if (s == "XFAIL") {
		if (e == "XFAIL" || e == "FLAKY") {
			r = why[k] (r != "" ? " (test: " r ")" : "")
		} else {
			s = "FAIL"
			r = "unlisted xfail: " r
		}
	} else if (s == "XPASS") {
		s = "FAIL"
		r = "unexpected pass (XPASS)" (r != "" ? ": " r : "")
	} else {
		r = "unknown status " s (r != "" ? ": " r : "")
		s = "FAIL"
	}
	print bed, backend, t, s, r
}

END {
	if (failed)
		exit 2
}
