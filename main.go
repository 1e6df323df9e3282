// Command pakn runs PAKN: the server, migrations, demo data, officials'
// accounts, FAQ import and export, reindexing and one-off job runs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // Asia/Ho_Chi_Minh on machines without a zoneinfo database

	"pakn/migrations"
	"pakn/models"
)

const usage = `pakn — phản ánh, kiến nghị

Usage:
  pakn [serve [--demo]]        migrate, then serve HTTP and run the scheduler
  pakn migrate                 apply migrations and exit
  pakn seed-demo [--petitions] load the demo data set (idempotent); --petitions adds a
                               year of demo petitions (once)
  pakn user create --email E --name N --role R [--unit CODE]
                               create an official; the password is read from standard input
  pakn jobs run NAME [--at RFC3339]
                               run one scheduled job once (deadlines, notify, portal, digest, retention)
  pakn faq import FILE [--draft]
                               import FAQ entries (.xlsx, .csv, .jsonl), upserting by id
  pakn faq export FILE.xlsx    export the FAQ
  pakn procedures import FILE  import the province's administrative procedures (.xlsx, .csv:
                               code, name, unit, field), upserting by code
  pakn reindex                 rebuild the search index from the database
  pakn privacy export CODE [--by NAME]
                               print the petitioner's data and the petition's history as JSON
  pakn privacy erase CODE [--by NAME]
                               erase the petitioner's data now (refused while the petition is open)
  pakn backup DIR              SQLite: a consistent copy of the data folder into DIR
                               (PostgreSQL: explains pg_dump and exits non-zero)
  pakn healthcheck             exit 0 when the local server answers /readyz with 200
Configuration comes from the environment (see README.md).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		slog.Error("pakn failed", "err", err)
		fmt.Fprintln(os.Stderr, "pakn:", err)
		os.Exit(1)
	}
}

// run dispatches a command line; tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	cfg, err := loadConfig(os.Getenv)
	if err != nil {
		return err
	}
	slog.SetDefault(cfg.logger(os.Stderr))
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		demo := fs.Bool("demo", false, "load the demo data set first if the database is empty")
		if err := fs.Parse(args); err != nil {
			return err
		}
		return serve(ctx, cfg, *demo, stdout)
	case "migrate":
		st, err := openStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer st.Close()
		fmt.Fprintf(stdout, "migrations applied (%d known, latest %s)\n", len(migrations.IDs()), migrations.IDs()[len(migrations.IDs())-1])
		return nil
	case "seed-demo":
		fs := flag.NewFlagSet("seed-demo", flag.ContinueOnError)
		petitions := fs.Bool("petitions", false, "also load a year of demo petitions (once)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		st, err := openStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.SeedDemo(ctx); err != nil {
			return err
		}
		if !*petitions {
			return printDemoAccounts(ctx, stdout, nil, nil)
		}
		secret, err := cfg.secret()
		if err != nil {
			return err
		}
		load, err := st.SeedDemoPetitions(ctx, secret)
		if err != nil {
			return err
		}
		if load.Petitions > 0 {
			fmt.Fprintf(stdout, "loaded %d demo petitions in %s\n", load.Petitions, load.Took.Round(time.Millisecond))
		} else {
			fmt.Fprintln(stdout, "the demo petitions are loaded already; nothing added")
		}
		return printDemoAccounts(ctx, stdout, st, secret)
	case "user":
		return userCommand(ctx, cfg, args, stdin, stdout)
	case "jobs":
		return jobsCommand(ctx, cfg, args, stdout)
	case "faq":
		return faqCommand(ctx, cfg, args, stdout)
	case "procedures":
		return procedureCommand(ctx, cfg, args, stdout)
	case "reindex":
		return reindexCommand(ctx, cfg, args, stdout)
	case "privacy":
		return privacyCommand(ctx, cfg, args, stdout)
	case "backup":
		return backupCommand(ctx, cfg, args, stdout)
	case "healthcheck":
		return healthcheckCommand(ctx, cfg, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// openStore connects and applies pending migrations: every command works on
// a fresh data folder and beside a running server.
func openStore(ctx context.Context, cfg config) (*models.Store, error) {
	st, err := models.Open(ctx, models.OpenOptions{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, Log: slog.Default()})
	if err != nil {
		return nil, err
	}
	if err := migrations.Migrate(ctx, st.DB, st.Dialect); err != nil {
		st.Close()
		return nil, err
	}
	secret, err := cfg.secret()
	if err != nil {
		st.Close()
		return nil, err
	}
	sealer, err := models.NewSealer(secret)
	if err != nil {
		st.Close()
		return nil, err
	}
	st.Delivery = models.Delivery{Email: cfg.SMTPURL != "", SMS: cfg.SMSURL != "", Sealer: sealer, ResendTime: models.DefaultResendTime}
	st.DeskMaxAgeDays = cfg.DeskMaxAgeDays
	return st, nil
}

// printDemoAccounts prints the demo officials and, when st holds demo
// petitions, a few tracking codes and secrets to follow them as their
// citizen (secrets derived from this instance's secret; they open only on
// a server in demo mode).
func printDemoAccounts(ctx context.Context, w io.Writer, st *models.Store, secret []byte) error {
	fmt.Fprintln(w, "Demo officials (DEMO ONLY — never use these on a real server), password "+models.DemoPassword+":")
	for _, u := range models.DemoUsers() {
		unit := ""
		if u.Unit != "" {
			unit = " (" + u.Unit + ")"
		}
		fmt.Fprintf(w, "  %-28s %s%s\n", u.Email, u.Role, unit)
	}
	fmt.Fprintln(w, "Demo citizens: sign in from /submit or /account through the demo identity provider at /demo-idp/ (unless PAKN_OIDC_ISSUER is set).")
	if st == nil {
		return nil
	}
	citizens, err := st.DemoCitizens(ctx, secret)
	if err != nil || len(citizens) == 0 {
		return err
	}
	fmt.Fprintln(w, "Demo petitions to follow as their citizen on /track (demo mode only):")
	for _, c := range citizens {
		fmt.Fprintf(w, "  %-18s secret %s  %-13s %s\n", c.Code, c.Secret, c.Status, c.Title)
	}
	return nil
}
