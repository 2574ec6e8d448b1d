// Command photoaudit audits photos for patient identifiers before they are
// posted. The commands are thin: all logic lives in the packages.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// Exit codes, documented in the help text and README.
const (
	exitOK         = 0 // nothing at or above --fail-on
	exitRisky      = 1 // some photo at or above --fail-on
	exitFatal      = 2 // usage or fatal error
	exitUnreadable = 3 // some inputs could not be audited
	exitCancelled  = 130
)

// Errors that map to exit codes; see exitCode.
var (
	errRisky      = errors.New("some photos are at or above --fail-on")
	errUnreadable = errors.New("some inputs could not be audited")
	errModels     = errors.New("some models are missing or altered")
)

const exitHelp = `Exit codes:
  0  no photo at or above --fail-on
  1  some photo at or above --fail-on (checked before 3); for health, the watch is not
     alive; for audit verify, the log or an approved file was changed
  2  usage or fatal error (no report, or a report that could not be written)
  3  some inputs could not be read or audited (each has an error in the report)
  130  cancelled (Ctrl-C or SIGTERM); the report holds the photos done so far`

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "photoaudit",
		Short: "Audit photos for patient identifiers before they are posted",
		Long: `photoaudit finds what in a photo identifies a patient (faces, screens, papers,
names, dates, record numbers, GPS), scores the risk, writes a redacted safe copy
without metadata, and a report a compliance officer can act on.

` + exitHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newScanCommand(), newEvalCommand(), newModelsCommand(), newReportCommand(), newWatchCommand(), newReviewCommand(), newBenchCommand(), newApproveCommand(), newRejectCommand(), newHealthCommand(), newAuditCommand(), newVersionCommand())
	return root
}

// ompThreadLimit makes Tesseract's OpenMP run one thread a call. The
// worker pool already uses every core, and on the 2-core CI machine six
// 12 MP photos took 177 s with OpenMP's default and 144 s with one thread.
// libgomp reads the variable when it is loaded, before main runs, so the
// process starts itself again with it set (same PID, same arguments).
func ompThreadLimit() {
	if _, set := os.LookupEnv("OMP_THREAD_LIMIT"); set {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	env := append(os.Environ(), "OMP_THREAD_LIMIT=1")
	// On success Exec does not return; on failure we run as we are.
	_ = syscall.Exec(exe, os.Args, env)
}

func main() {
	ompThreadLimit()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := newRootCommand().ExecuteContext(ctx)
	code := exitCode(err, ctx)
	if err != nil && code == exitFatal {
		fmt.Fprintln(os.Stderr, "photoaudit:", err)
	}
	os.Exit(code)
}

func exitCode(err error, ctx context.Context) int {
	switch {
	case err == nil:
		return exitOK
	case ctx.Err() != nil:
		return exitCancelled
	case errors.Is(err, errRisky):
		return exitRisky
	case errors.Is(err, errModels), errors.Is(err, errUnhealthy), errors.Is(err, errLogBroken):
		return exitRisky
	case errors.Is(err, errUnreadable):
		return exitUnreadable
	default:
		return exitFatal
	}
}
