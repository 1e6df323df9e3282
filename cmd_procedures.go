package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"

	"pakn/models"
)

// procedureActor is who the audit trail names for command-line imports.
var procedureActor = models.Viewer{Role: models.RoleAdmin, Name: "pakn procedures (command line)"}

// procedureCommand is `pakn procedures import FILE`: the province's list of
// administrative procedures from a workbook or CSV file.
func procedureCommand(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	const use = "usage: pakn procedures import FILE.xlsx|FILE.csv [--quiet]"
	if len(args) == 0 || args[0] != "import" {
		return errors.New(use)
	}
	fs := flag.NewFlagSet("procedures import", flag.ContinueOnError)
	quiet := fs.Bool("quiet", false, "no progress bar")
	pos, err := splitArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New(use)
	}
	format := models.FAQFormatOf(pos[0])
	if format != models.FAQFormatXLSX && format != models.FAQFormatCSV {
		return fmt.Errorf("%s: want a .xlsx or .csv file", pos[0])
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	bar := newImportBar(stdout, *quiet)
	res, err := st.ImportProcedures(ctx, f, format, models.ProcedureImportOptions{Actor: procedureActor, Progress: bar.progress})
	bar.finish()
	if err != nil {
		return err
	}
	for _, e := range res.Errors {
		fmt.Fprintf(stdout, "skipped %s\n", e)
	}
	fmt.Fprintf(stdout, "%d rows: %d created, %d updated, %d unchanged, %d skipped\n",
		res.Total, res.Created, res.Updated, res.Unchanged, len(res.Errors))
	return nil
}

// importBar draws an import's progress on the terminal, created on the
// first report (when the total is known).
type importBar struct {
	out   io.Writer
	quiet bool
	bar   *progressbar.ProgressBar
}

func newImportBar(out io.Writer, quiet bool) *importBar { return &importBar{out: out, quiet: quiet} }

// progress is the import's Progress callback.
func (b *importBar) progress(done, total int) {
	if b.quiet {
		return
	}
	if b.bar == nil {
		b.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(b.out),
			progressbar.OptionSetDescription("import"), progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100*time.Millisecond))
	}
	_ = b.bar.Set(done)
}

func (b *importBar) finish() {
	if b.bar != nil {
		_ = b.bar.Finish()
		fmt.Fprintln(b.out)
	}
}
