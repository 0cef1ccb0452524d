// Command benchtable reads `go test -bench` output for BenchmarkCreateLinkToken on stdin and prints one table (median
// of each metric over -count runs) followed by the targets of the benchmark issue, each marked met or missed.
package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

type key struct{ network, client, mode string }

func main() {
	samples := map[key]map[string][]float64{}
	var order []key
	scanner := bufio.NewScanner(os.Stdin)
	for scanner.Scan() {
		line := scanner.Text()
		fmt.Println(line) // keep the raw output, for benchstat
		fields := strings.Fields(line)
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "BenchmarkCreateLinkToken/") {
			continue
		}
		name := strings.TrimPrefix(fields[0], "BenchmarkCreateLinkToken/")
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i] // GOMAXPROCS suffix
		}
		parts := strings.Split(name, "/")
		if len(parts) != 3 {
			continue
		}
		k := key{parts[0], parts[1], parts[2]}
		if samples[k] == nil {
			samples[k] = map[string][]float64{}
			order = append(order, k)
		}
		for i := 2; i+1 < len(fields); i += 2 {
			if v, err := strconv.ParseFloat(fields[i], 64); err == nil {
				samples[k][fields[i+1]] = append(samples[k][fields[i+1]], v)
			}
		}
	}
	if len(order) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: no BenchmarkCreateLinkToken results on stdin")
		os.Exit(1)
	}
	median := func(k key, unit string) float64 {
		v := slices.Clone(samples[k][unit])
		if len(v) == 0 {
			return 0
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	units := []string{"ns/op", "B/op", "allocs/op", "req/op", "upload-B/op"}
	fmt.Printf("\n| network | client | mode | runs | µs/call | B/call | allocs/call | server req/call | body bytes up/call |\n")
	fmt.Printf("|---|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, k := range order {
		fmt.Printf("| %s | %s | %s | %d | %.1f | %.0f | %.0f | %.2f | %.0f |\n", k.network, k.client, k.mode,
			len(samples[k]["ns/op"]), median(k, units[0])/1000, median(k, units[1]), median(k, units[2]), median(k, units[3]), median(k, units[4]))
	}

	fmt.Printf("\n| target | measured | result |\n|---|---|---|\n")
	check := func(name string, measured float64, limit float64, format string) {
		result := "met"
		if measured > limit {
			result = "MISSED"
		}
		if measured == 0 {
			result = "not measured"
		}
		fmt.Printf("| %s | "+format+" | %s |\n", name, measured, result)
	}
	ratio := func(network, a, b, mode, unit string) float64 {
		den := median(key{network, b, mode}, unit)
		if den == 0 {
			return 0
		}
		return median(key{network, a, mode}, unit) / den
	}
	for _, mode := range []string{"seq", "parallel"} {
		warm := key{"loopback", "ours-warm", mode}
		check("ours warm, "+mode+": server requests per call = 1.00", median(warm, "req/op"), 1.0, "%.2f")
		check("ours warm, "+mode+": body uploaded once (bytes up / ours' body of 51 B)", median(warm, "upload-B/op")/51, 1.0, "%.2f×")
		check("ns/op ours warm ≤ 0.6 × SDK default, "+mode, ratio("loopback", "ours-warm", "sdk-default", mode, "ns/op"), 0.6, "%.2f×")
		check("ns/op ours warm ≤ 1.3 × net/http floor, "+mode, ratio("loopback", "ours-warm", "floor", mode, "ns/op"), 1.3, "%.2f×")
		check("allocs/op ours warm ≤ 0.7 × SDK default, "+mode, ratio("loopback", "ours-warm", "sdk-default", mode, "allocs/op"), 0.7, "%.3f×")
		check("2 ms latency: ns/op ours warm ≤ 0.55 × SDK default, "+mode, ratio("latency2ms", "ours-warm", "sdk-default", mode, "ns/op"), 0.55, "%.2f×")
		check("trivial server: ns/op ours warm ≤ 1.25 × net/http floor, "+mode, ratio("trivial", "ours-warm", "floor", mode, "ns/op"), 1.25, "%.2f×")
		extra := median(key{"trivial", "ours-warm", mode}, "allocs/op") - median(key{"trivial", "floor", mode}, "allocs/op")
		check("trivial server: allocs/op ours warm ≤ floor + 40, "+mode, extra, 40, "+%.0f")
	}
}
