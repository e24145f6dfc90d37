# Benchmark table (tests/bench/run.sh): reads ircload result lines
# ("round=N scenario=S server=X key=value ... status=ok") and prints a
# markdown table of medians over the rounds. Each cell is "median (ratio)",
# the ratio being median / best peer's median; "!" marks a cell where some
# round did not end with status=ok (its numbers are shown, but such a
# peer is not a candidate for best). The last columns compare ircserv (the
# poll backend) with the best peer and with the relay, then ircserv_epoll
# (the epoll backend) with the same two and with ircserv on poll.
# Variables: servers (column order), peers (which columns are peers).

function metrics(scen) {
	if (scen ~ /^(connect|storm)/)
		return "regs_per_s:H regs_per_cpu_s:H p50_ms:L p99_ms:L failures:L"
	if (scen ~ /^fanout_max/)
		return "deliveries_per_s:H deliveries_per_cpu_s:H p99_ms:L"
	if (scen ~ /^fanout/)
		return "deliveries_per_cpu_s:H server_cpu_s:L p50_ms:L p99_ms:L"
	if (scen ~ /^privmsg/)
		return "messages_per_s:H messages_per_cpu_s:H p99_ms:L"
	if (scen ~ /^idle/)
		return "rss_per_client_kb:L ping_p50_ms:L ping_p99_ms:L"
	return ""
}

function median(list,    v, n, i, j, t) {
	n = split(list, v, " ")
	if (n == 0)
		return ""
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	if (n % 2)
		return v[(n + 1) / 2] + 0
	return (v[n / 2] + v[n / 2 + 1]) / 2
}

function ratio(a, b) {
	if (a == "" || b == "" || b == 0)
		return "-"
	return sprintf("%.2f", a / b)
}

function fmt(x) {
	if (x == "")
		return "-"
	if (x == int(x))
		return sprintf("%d", x)
	if (x >= 1000 || x <= -1000)
		return sprintf("%.0f", x)
	if (x >= 10)
		return sprintf("%.1f", x)
	return sprintf("%.3f", x)
}

{
	scen = ""; srv = ""; st = ""
	for (i = 1; i <= NF; i++) {
		k = $i; sub(/=.*/, "", k)
		v = $i; sub(/^[^=]*=/, "", v)
		f[k] = v
		if (k == "scenario") scen = v
		if (k == "server") srv = v
		if (k == "status") st = v
	}
	if (scen == "" || srv == "")
		next
	if (!(scen in seen)) {
		seen[scen] = 1
		order[++nscen] = scen
	}
	if (st != "ok")
		bad[scen, srv] = 1
	m = metrics(scen)
	nm = split(m, ms, " ")
	for (i = 1; i <= nm; i++) {
		k = ms[i]; sub(/:.*/, "", k)
		if ((k in f) && f[k] != "na" && f[k] != "")
			vals[scen, srv, k] = vals[scen, srv, k] " " f[k]
	}
	split("", f)
}

END {
	ns = split(servers, sv, " ")
	np = split(peers, pv, " ")
	for (i = 1; i <= np; i++)
		ispeer[pv[i]] = 1
	printf "| scenario | metric | better |"
	for (i = 1; i <= ns; i++)
		printf " %s |", sv[i]
	printf " best peer | ircserv/best peer | ircserv/relay |"
	printf " epoll/best peer | epoll/relay | epoll/poll |\n|---|---|---|"
	for (i = 1; i <= ns; i++)
		printf "---|"
	printf "---|---|---|---|---|---|\n"
	for (s = 1; s <= nscen; s++) {
		scen = order[s]
		nm = split(metrics(scen), ms, " ")
		for (j = 1; j <= nm; j++) {
			k = ms[j]; dir = ms[j]; sub(/:.*/, "", k); sub(/.*:/, "", dir)
			best = ""; bestname = "-"
			for (i = 1; i <= ns; i++) {
				med[i] = median(vals[scen, sv[i], k])
				if (!ispeer[sv[i]] || med[i] == "" || ((scen, sv[i]) in bad))
					continue
				if (best == "" || (dir == "H" && med[i] > best) || (dir == "L" && med[i] < best)) {
					best = med[i]; bestname = sv[i]
				}
			}
			printf "| %s | %s | %s |", scen, k, dir == "H" ? "higher" : "lower"
			own = ""; relay = ""; ep = ""
			for (i = 1; i <= ns; i++) {
				if (sv[i] == "ircserv") own = med[i]
				if (sv[i] == "ircserv_epoll") ep = med[i]
				if (sv[i] == "relay") relay = med[i]
			}
			for (i = 1; i <= ns; i++) {
				cell = fmt(med[i])
				if (med[i] != "" && best != "" && best != 0)
					cell = cell sprintf(" (%.2f)", med[i] / best)
				if ((scen, sv[i]) in bad)
					cell = cell " !"
				printf " %s |", cell
			}
			printf " %s | %s | %s | %s | %s | %s |\n", bestname, ratio(own, best),
			    ratio(own, relay), ratio(ep, best), ratio(ep, relay), ratio(ep, own)
		}
	}
}
