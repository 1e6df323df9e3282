package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"pakn/models"
)

// userCommand handles `pakn user create`. The password comes from standard
// input so it never shows in the process list or shell history.
func userCommand(ctx context.Context, cfg config, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: pakn user create --email E --name N --role R [--unit CODE] < password")
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	email := fs.String("email", "", "e-mail address (the sign-in name)")
	name := fs.String("name", "", "full name")
	role := fs.String("role", "", strings.Join(models.Roles, ", "))
	unit := fs.String("unit", "", "unit code (officers and leaders)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.CreateUser(ctx, models.NewUserInput{Email: *email, Name: *name, Role: *role, UnitCode: *unit, Password: password}, "cli")
	if v, ok := models.AsValidation(err); ok {
		var msgs []string
		for _, f := range v.Fields {
			msgs = append(msgs, f.Field+": "+cliMessage(f))
		}
		return errors.New("invalid user: " + strings.Join(msgs, "; "))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s (%s)\n", u.Email, u.Role)
	return nil
}

func cliMessage(f models.FieldError) string {
	switch f.Key {
	case "err.required":
		return "required"
	case "err.email":
		return "not a valid e-mail address"
	case "err.role":
		return "must be one of " + strings.Join(models.Roles, ", ")
	case "err.too_short":
		return fmt.Sprintf("too short (at least %v characters)", f.Params["min"])
	case "err.password_common":
		return "too common (among the 10,000 most common passwords)"
	case "err.password_personal":
		return "must not contain the e-mail address or name"
	case "err.unknown_code":
		return "no such unit"
	case "err.taken":
		return "already exists"
	}
	return f.Key
}
