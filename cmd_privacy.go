package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/user"

	"pakn/models"
)

const privacyUsage = "usage: pakn privacy export CODE [--by NAME] | pakn privacy erase CODE [--by NAME]"

// privacyCommand answers a citizen's request under Decree 13/2023: `export`
// prints what PAKN holds about the petitioner of CODE as JSON; `erase`
// erases it now as the retention job would. Both are audited under the
// name given with --by (default: the operator's login).
func privacyCommand(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	if len(args) < 2 || (args[0] != "export" && args[0] != "erase") {
		return errors.New(privacyUsage)
	}
	verb, code := args[0], args[1]
	fs := flag.NewFlagSet("privacy "+verb, flag.ContinueOnError)
	by := fs.String("by", "", "who handles the request (recorded in the audit trail)")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New(privacyUsage)
	}
	actor := "pakn privacy"
	switch {
	case *by != "":
		actor += " (" + *by + ")"
	default:
		if u, err := user.Current(); err == nil {
			actor += " (" + u.Username + ")"
		}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if verb == "export" {
		x, err := st.ExportPersonalData(ctx, code, actor)
		if err != nil {
			return privacyError(code, err)
		}
		acc, err := st.CitizenAccountOfPetition(ctx, code)
		switch {
		case err == nil:
			if x.Account, err = st.ExportCitizenAccount(ctx, acc.ID, actor); err != nil {
				return err
			}
		case !errors.Is(err, models.ErrNotFound):
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(x)
	}
	erased, err := st.ErasePetitioner(ctx, code, actor)
	if err != nil {
		return privacyError(code, err)
	}
	if !erased {
		fmt.Fprintf(stdout, "%s: the petitioner's data was erased already; nothing to do\n", models.NormalizeCode(code))
		return nil
	}
	fmt.Fprintf(stdout, "%s: the petitioner's data is erased (the petition stays, without it, for statistics)\n", models.NormalizeCode(code))
	return erasePetitionAccount(ctx, st, code, actor, stdout)
}

// erasePetitionAccount erases the citizen account linked to an erased
// petition, unless another of its petitions is still open (the unit must
// be able to reach the citizen); the retention job erases it later.
func erasePetitionAccount(ctx context.Context, st *models.Store, code, actor string, stdout io.Writer) error {
	acc, err := st.CitizenAccountOfPetition(ctx, code)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	ps, err := st.AccountPetitions(ctx, acc.ID)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.Open() {
			fmt.Fprintf(stdout, "the citizen account stays while %s is open\n", p.Code)
			return nil
		}
	}
	if err := st.EraseCitizenAccount(ctx, acc.ID, actor); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "the citizen account linked to it is erased too")
	return nil
}

func privacyError(code string, err error) error {
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("no petition %s", models.NormalizeCode(code))
	}
	return err
}
