#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo's guest (scripts/demo.sh): sockcancel's story with real programs,
# each step checked (a TAP result); the first failure ends the demo.
mkdir -p /www
export PATH=/tests:/bin:/sbin

n=0
say() { echo; echo "== $*"; }
run() { echo "\$ $*"; "$@"; }
ok() { n=$((n + 1)); echo "ok $n $*"; }
fail() {
	n=$((n + 1))
	echo "not ok $n $*"
	echo "1..$n"
	exit 1
}
# wait until process $1 sleeps in socket call $2 (sockcancel query says so)
blocked() {
	for _ in $(seq 100); do
		sockcancel query "$1" 2>/dev/null | grep -q "^$1 $2 " && return 0
		sleep 0.1
	done
	return 1
}

say "1. Programs nobody here wrote, blocked in socket calls (busybox)"
echo "hello from httpd" > /www/index.html
echo "\$ nc -l -p 7000 &            # waits for a connection"
nc -l -p 7000 > /tmp/nc-listen.out 2>&1 &
listener=$!
echo "\$ httpd -f -p 8080 -h /www &  # a web server"
httpd -f -p 8080 -h /www &
httpd=$!
# a server that accepts and never answers, for the client below
sleep 1000 | nc -l -p 7001 > /dev/null 2>&1 &
blocked "$listener" accept && ok "nc -l blocks in accept" || fail "nc -l never blocked"
blocked "$httpd" accept && ok "httpd blocks in accept" || fail "httpd never blocked"
echo "\$ wget http://127.0.0.1:7001/ &  # waits for an answer"
wget -q -O /tmp/wget.body http://127.0.0.1:7001/ > /tmp/wget.out 2>&1 &
client=$!
blocked "$client" recv && ok "wget blocks in recv" || fail "wget never blocked"

say "2. sockcancel ps shows them"
run sockcancel ps && ok "sockcancel ps" || fail "sockcancel ps"

say "3. sockcancel cancel ends their calls"
run sockcancel cancel "$listener" || fail "cancel nc -l"
wait "$listener"
echo "nc -l exited with status $? and said: $(cat /tmp/nc-listen.out)"
grep -q "Interrupted system call" /tmp/nc-listen.out &&
	ok "nc -l reports EINTR" || fail "nc -l did not report EINTR"

run sockcancel cancel "$client" || fail "cancel wget"
wait "$client"
echo "wget exited with status $? and said: $(cat /tmp/wget.out)"
grep -q "Interrupted system call" /tmp/wget.out &&
	ok "wget reports EINTR" || fail "wget did not report EINTR"

run sockcancel cancel "$httpd" || fail "cancel httpd"
sleep 0.5
kill -0 "$httpd" && ok "httpd lives on" || fail "httpd died"
echo "httpd's accept was cancelled; its listener still works:"
run wget -q -O - http://127.0.0.1:8080/ && ok "httpd still serves" ||
	fail "httpd listener broken"
echo "and httpd waits in a new accept, as before:"
blocked "$httpd" accept && ok "httpd is back in accept" ||
	fail "httpd is not back in accept"
run sockcancel query "$httpd"
sockcancel cancel "$listener" 2>/dev/null
[ $? -eq 2 ] && ok "a gone thread gives exit status 2" ||
	fail "a gone thread must give exit status 2"

say "4. A Winsock layer: examples/winsock_cancel.c"
run winsock_cancel && ok "the Winsock example" || fail "the example"

kill "$httpd" 2>/dev/null
echo
echo "1..$n"
