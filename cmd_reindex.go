package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"pakn/models"
	"pakn/search/searchrt"
)

// indexDir is where the search index lives.
func indexDir(cfg config) string { return filepath.Join(cfg.DataDir, "index") }

// startSearch opens the index and starts following the database (an index
// that cannot be opened is rebuilt from it in the background; /readyz says
// so until it is done).
func startSearch(ctx context.Context, cfg config, st *models.Store) (*searchrt.Runtime, error) {
	rt, err := searchrt.Open(ctx, st, indexDir(cfg), slog.Default(), searchrt.Options{CacheSize: cfg.SearchCache, BleveOnly: cfg.SearchBleveOnly, BuildAside: buildAside(cfg)})
	if err != nil {
		return nil, fmt.Errorf("search index: %w", err)
	}
	if rt.Building() {
		slog.Info("building the search index from the database", "dir", indexDir(cfg))
	}
	go rt.Run(ctx)
	return rt, nil
}

// reindexCommand rebuilds the index aside and swaps it in; beside a running
// server it hands the new index over to that server.
func reindexCommand(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	quiet := fs.Bool("quiet", false, "no progress bar")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the rebuild to this file (for `go tool pprof`)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("reindex: cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("reindex: cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	total, err := st.CountPublicItems(ctx)
	if err != nil {
		return err
	}
	var bar *progressbar.ProgressBar
	progress := func(int) {}
	if !*quiet {
		bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(stdout),
			progressbar.OptionSetDescription("reindex"), progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionSetItsString("items"),
			progressbar.OptionShowIts())
		progress = func(done int) { _ = bar.Set(done) }
	}
	// The build allocates fast and keeps little alive: collecting at three
	// times the live heap instead of twice took about a tenth less CPU
	// for about 150 MB more peak memory (BENCHMARKS.md, issue 14). Only
	// while this command runs, and not over a GOGC the operator chose.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(200))
	}
	start := time.Now()
	handed, err := searchrt.Reindex(ctx, st, indexDir(cfg), progress)
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(stdout)
	}
	if err != nil {
		return err
	}
	took := time.Since(start).Round(time.Millisecond)
	if handed {
		fmt.Fprintf(stdout, "rebuilt %d items in %s; the running server swaps the new index in on its next poll\n", total, took)
		return nil
	}
	fmt.Fprintf(stdout, "rebuilt %d items in %s into %s\n", total, took, indexDir(cfg))
	return nil
}

// buildAside runs `pakn reindex` as a child process with this process's
// data folder and database: building a large index leaves a fragmented
// heap behind, which the serving process then need not carry. Nil when
// this program is not the pakn binary (a test binary would run its tests).
func buildAside(cfg config) func(ctx context.Context) error {
	exe, err := os.Executable()
	if err != nil || strings.HasSuffix(exe, ".test") {
		return nil
	}
	return func(ctx context.Context) error {
		cmd := exec.CommandContext(ctx, exe, "reindex", "--quiet")
		cmd.Env = append(os.Environ(), "PAKN_DATA_DIR="+cfg.DataDir, "PAKN_DATABASE_URL="+cfg.DatabaseURL)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = io.Discard, &out
		if err := cmd.Run(); err != nil {
			msg := out.String()
			if len(msg) > 2000 {
				msg = msg[len(msg)-2000:]
			}
			return fmt.Errorf("pakn reindex: %w: %s", err, strings.TrimSpace(msg))
		}
		return nil
	}
}
