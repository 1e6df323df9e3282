package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"pakn/internal/testdb"
	"pakn/models"
)

// Demo petitions load only with --petitions (or serve --demo), once, and
// the codes and secrets printed beside the demo officials open the
// petitions on a server in demo mode.
func TestSeedDemoPetitionsCommand(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		useTarget(t, tg)
		demoPetitions := func() int64 {
			st := openTarget(t, tg)
			defer st.Close()
			var n int64
			if err := st.DB.Model(&models.Petition{}).Where("demo = ?", true).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		out, err := runCmd(t, "", "seed-demo")
		if err != nil {
			t.Fatalf("seed-demo: %v %q", err, out)
		}
		if n := demoPetitions(); n != 0 || strings.Contains(out, "secret") {
			t.Fatalf("seed-demo without --petitions loaded %d petitions: %q", n, out)
		}
		out, err = runCmd(t, "", "seed-demo", "--petitions")
		if err != nil || !strings.Contains(out, "loaded ") || !strings.Contains(out, "coordinator@demo.pakn.vn") {
			t.Fatalf("seed-demo --petitions: %v %q", err, out)
		}
		loaded := demoPetitions()
		if loaded < 300 {
			t.Fatalf("%d demo petitions", loaded)
		}
		printed := regexp.MustCompile(`(PAKN-\d{6}-\d{4,})\s+secret (\S+)`).FindAllStringSubmatch(out, -1)
		if len(printed) < 3 {
			t.Fatalf("printed %d demo citizens, want a few: %q", len(printed), out)
		}
		again, err := runCmd(t, "", "seed-demo", "--petitions")
		if err != nil || !strings.Contains(again, "nothing added") || demoPetitions() != loaded {
			t.Fatalf("seed-demo --petitions again: %v %q", err, again)
		}
		st := openTarget(t, tg)
		st.DemoMode = true
		for _, m := range printed {
			if _, err := st.PetitionForCitizen(context.Background(), m[1], m[2]); err != nil {
				t.Errorf("printed %s %s does not open: %v", m[1], m[2], err)
			}
		}
	})
}
