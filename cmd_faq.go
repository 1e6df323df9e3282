package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"pakn/models"
)

// cliActor is who the audit trail names for command-line imports.
var cliActor = models.Viewer{Role: models.RoleAdmin, Name: "pakn faq (command line)"}

func faqCommand(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: pakn faq import FILE [--draft] | pakn faq export FILE.xlsx")
	}
	switch args[0] {
	case "import":
		return faqImport(ctx, cfg, args[1:], stdout)
	case "export":
		return faqExport(ctx, cfg, args[1:], stdout)
	}
	return fmt.Errorf("unknown faq command %q (import or export)", args[0])
}

// splitArgs lets flags come after the file name too.
func splitArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) > 0 {
			pos = append(pos, args[0])
			args = args[1:]
		}
	}
	return pos, nil
}

func faqImport(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("faq import", flag.ContinueOnError)
	draft := fs.Bool("draft", false, "import the entries unpublished")
	quiet := fs.Bool("quiet", false, "no progress bar")
	pos, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: pakn faq import FILE [--draft]")
	}
	format := models.FAQFormatOf(pos[0])
	if format == "" {
		return fmt.Errorf("%s: want a .xlsx, .csv or .jsonl file", pos[0])
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
	res, err := st.ImportFAQ(ctx, f, format, models.FAQImportOptions{Actor: cliActor, Draft: *draft, Progress: bar.progress})
	bar.finish()
	if err != nil {
		return err
	}
	for _, e := range res.Errors {
		fmt.Fprintf(stdout, "skipped %s\n", e)
	}
	fmt.Fprintf(stdout, "%d rows: %d created, %d updated, %d unchanged, %d skipped; %d published\n",
		res.Total, res.Created, res.Updated, res.Unchanged, res.Skipped(), res.Published)
	return nil
}

func faqExport(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	if len(args) != 1 || models.FAQFormatOf(args[0]) != models.FAQFormatXLSX {
		return errors.New("usage: pakn faq export FILE.xlsx")
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	tmp := args[0] + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	n, err := st.ExportFAQ(ctx, cliActor, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, args[0]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported %d entries to %s\n", n, args[0])
	return nil
}
