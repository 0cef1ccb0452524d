// Command cputime runs two commands alternately (A, B, A, B, …), -runs times each after -warmup runs of each, and
// prints the median wall time and the median CPU time (user+system, from each child's rusage) of both, their
// ratios A/B, and whether the ratio of -metric meets -target. bench/startup.sh uses it for both start-up rows.
//
//	cputime [-runs 31] [-warmup 1] [-metric wall|cpu] [-target 1.5] [-timeout 30s] CMD_A [ARG...] -- CMD_B [ARG...]
//
// Wall time is taken from just before the child starts to just after it is reaped, so both commands pay the same
// fork and exec. Each run's stdout goes to /dev/null and its stderr to cputime's. A run that fails or outlasts
// -timeout stops everything with exit status 1; a missed target does not (it is a measurement, not a test). SIGINT
// or SIGTERM kills the run in progress and stops cputime.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"
	"time"
)

func main() {
	runs := flag.Int("runs", 31, "measured runs of each command")
	warmup := flag.Int("warmup", 1, "unmeasured runs of each command first (page cache, emulator connections)")
	metric := flag.String("metric", "wall", "what -target applies to: wall or cpu (`name`)")
	target := flag.Float64("target", 0, "largest acceptable ratio A/B of -metric's medians; 0 prints no verdict")
	timeout := flag.Duration("timeout", 30*time.Second, "longest one run may take")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: cputime [flags] CMD_A [ARG...] -- CMD_B [ARG...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	i := slices.Index(flag.Args(), "--")
	if i < 1 || i == flag.NArg()-1 || *runs < 1 || *warmup < 0 || (*metric != "wall" && *metric != "cpu") {
		flag.Usage()
		os.Exit(2)
	}
	cmds := [2][]string{flag.Args()[:i], flag.Args()[i+1:]}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := measure(ctx, cmds, *runs, *warmup, *metric, *target, *timeout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cputime:", err)
		os.Exit(1)
	}
}

// sample is one run's cost.
type sample struct{ wall, cpu time.Duration }

// measure runs the two commands alternately, warmup unmeasured and then runs measured rounds, and prints the table.
func measure(ctx context.Context, cmds [2][]string, runs, warmup int, metric string, target float64, timeout time.Duration) error {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer devnull.Close()
	var samples [2][]sample
	for round := range warmup + runs {
		for k, argv := range cmds {
			s, err := runOnce(ctx, argv, devnull, timeout)
			if err != nil {
				return err
			}
			if round >= warmup {
				samples[k] = append(samples[k], s)
			}
		}
	}
	var wall, cpu [2]time.Duration
	for k := range cmds {
		wall[k] = median(samples[k], func(s sample) time.Duration { return s.wall })
		cpu[k] = median(samples[k], func(s sample) time.Duration { return s.cpu })
	}
	a, b := label(cmds[0]), label(cmds[1])
	fmt.Printf("runs: %d each, alternating, after %d warm-up run(s) each; medians\n", runs, warmup)
	fmt.Printf("  %-28s %10s %10s\n", "", "wall ms", "CPU ms")
	for k, name := range []string{a, b} {
		fmt.Printf("  %-28s %10.2f %10.2f\n", name, ms(wall[k]), ms(cpu[k]))
	}
	ratios := map[string]float64{"wall": float64(wall[0]) / float64(wall[1]), "cpu": float64(cpu[0]) / float64(cpu[1])}
	fmt.Printf("  ratio %s / %s: wall %.2fx, CPU %.2fx\n", a, b, ratios["wall"], ratios["cpu"])
	if target > 0 {
		verdict := "met"
		if ratios[metric] > target {
			verdict = "MISSED"
		}
		fmt.Printf("  target: %s ratio <= %gx: %.2fx: %s\n", metric, target, ratios[metric], verdict)
	}
	return nil
}

// runOnce runs argv once and returns its wall time and CPU time (user+system). The child is killed when ctx ends or
// after timeout.
func runOnce(parent context.Context, argv []string, stdout *os.File, timeout time.Duration) (sample, error) {
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if parent.Err() != nil {
		return sample{}, errors.New("interrupted")
	}
	if ctx.Err() != nil {
		return sample{}, fmt.Errorf("%s: longer than %s", label(argv), timeout)
	}
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return sample{}, fmt.Errorf("%s: %s", label(argv), exit.ProcessState)
		}
		return sample{}, err
	}
	return sample{wall: wall, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}, nil
}

// median is the middle of field over samples (the mean of the two middle values for an even count).
func median(samples []sample, field func(sample) time.Duration) time.Duration {
	v := make([]time.Duration, len(samples))
	for i, s := range samples {
		v[i] = field(s)
	}
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// label names a command by its program's base name and arguments, e.g. "atlas version".
func label(argv []string) string {
	s := filepath.Base(argv[0])
	for _, a := range argv[1:] {
		s += " " + a
	}
	return s
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
