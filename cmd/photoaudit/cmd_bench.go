package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"photoaudit/detect"
	"photoaudit/photo"
	"photoaudit/pipeline"
)

func newBenchCommand() *cobra.Command {
	var af auditFlags
	var runs int
	var cpuProfile string
	cmd := &cobra.Command{
		Use:   "bench PHOTO...",
		Short: "Time each stage of auditing photos, against the photos' own decode and encode",
		Long: `bench audits each photo as scan does, with one worker, writing nothing, and prints
what each stage took, the process's peak memory (resident set) while auditing it, and
the ratio of the whole audit to the photo's own decode and encode with Go's standard
library, measured in the same run: the floor any tool that rewrites the photo pays.
Each photo is audited --runs times (the detectors are loaded once, before); the
fastest run is shown. For one core, as a worker has: taskset -c 0 photoaudit bench ...
With --cpuprofile, the audits (not the loading) are profiled for go tool pprof; time
spent in OpenCV, Tesseract and ONNX Runtime shows under the Go call that entered them.`,
		Example: `  taskset -c 0 photoaudit bench busy-12mp.jpg
  photoaudit bench --runs 3 a.jpg b.heic`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runs < 1 {
				return fmt.Errorf("--runs %d: want 1 or more", runs)
			}
			opts, err := af.pipelineOptions("")
			if err != nil {
				return err
			}
			opts.Probe = peakRSS
			a, err := pipeline.NewAuditor(opts)
			if err != nil {
				return err
			}
			defer a.Close()
			out := cmd.OutOrStdout()
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return err
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					f.Close()
					return err
				}
				defer func() {
					pprof.StopCPUProfile()
					if err := f.Close(); err != nil {
						fmt.Fprintf(cmd.ErrOrStderr(), "photoaudit: %s: %v\n", cpuProfile, err)
					}
				}()
			}
			fmt.Fprintf(out, "photoaudit bench: one worker, GOMAXPROCS %d, best of %d; detectors loaded: %s resident\n",
				runtime.GOMAXPROCS(0), runs, mib(procStatus("VmRSS:")))
			failed := false
			for _, path := range args {
				if err := benchOne(out, a, path, runs); err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "photoaudit: %s: %v\n", path, err)
					failed = true
				}
			}
			if failed {
				return errUnreadable
			}
			return nil
		},
	}
	af.AddFlags(cmd.Flags())
	cmd.Flags().IntVar(&runs, "runs", 1, "audit each photo this many times and keep the fastest")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the audits to this file (go tool pprof)")
	return cmd
}

// benchOne measures one photo: the floor (decode and encode with the
// standard library), then the audit, best of runs.
func benchOne(w io.Writer, a *pipeline.Auditor, path string, runs int) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	name := filepath.Base(path)
	var floor time.Duration
	var size image.Point
	for i := 0; i < runs; i++ {
		start := time.Now()
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("the standard library cannot decode it (%w); bench needs a JPEG, PNG or GIF", err)
		}
		if _, err := photo.EncodeBytes(img, photo.SafeName(name)); err != nil {
			return err
		}
		if d := time.Since(start); i == 0 || d < floor {
			floor = d
		}
		size = img.Bounds().Size()
	}
	var best time.Duration
	var stages []detect.Stage
	var peak int64
	for i := 0; i < runs; i++ {
		resetPeakRSS()
		start := time.Now()
		res, err := a.Inspect(path, name)
		d := time.Since(start)
		if err != nil && !errors.Is(err, pipeline.ErrVerify) {
			return err
		}
		peak = max(peak, peakRSS())
		if i == 0 || d < best {
			best, stages = d, res.Stages
		}
	}
	mp := float64(size.X*size.Y) / 1e6
	fmt.Fprintf(w, "\n%s: %dx%d (%.1f MP)\n", name, size.X, size.Y, mp)
	fmt.Fprintf(w, "  audit %.2f s; decode + encode %.2f s; ratio %.1fx; peak memory %s\n",
		best.Seconds(), floor.Seconds(), best.Seconds()/floor.Seconds(), mib(peak))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "  stage\ttime\tshare\tpeak memory by its end\t\n")
	for _, s := range mergeStages(stages) {
		fmt.Fprintf(tw, "  %s\t%.2f s\t%.0f%%\t%s\t\n", s.Name, s.Time.Seconds(), 100*s.Time.Seconds()/best.Seconds(), mib(s.Memory))
	}
	return tw.Flush()
}

// mergeStages sums the times of stages of one name (a stage of every
// round) and keeps their highest memory reading, slowest first.
func mergeStages(stages []detect.Stage) []detect.Stage {
	sum := map[string]time.Duration{}
	mem := map[string]int64{}
	var names []string
	for _, s := range stages {
		if _, ok := sum[s.Name]; !ok {
			names = append(names, s.Name)
		}
		sum[s.Name] += s.Time
		mem[s.Name] = max(mem[s.Name], s.Memory)
	}
	out := make([]detect.Stage, len(names))
	for i, n := range names {
		out[i] = detect.Stage{Name: n, Time: sum[n], Memory: mem[n]}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time > out[j].Time })
	return out
}

// resetPeakRSS clears the kernel's record of the process's peak resident
// set (Linux: clear_refs 5), so that peakRSS measures from now.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is the process's peak resident set in bytes (VmHWM), 0 where
// the system does not say: Go's heap, OpenCV's, Tesseract's and ONNX
// Runtime's memory together.
func peakRSS() int64 { return procStatus("VmHWM:") }

// procStatus reads one "kB" field of /proc/self/status, in bytes; 0 where
// the system does not say.
func procStatus(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

func mib(b int64) string {
	if b == 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}
