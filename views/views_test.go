package views

import (
	"strings"
	"testing"
)

// Every part's catalog loads: both languages have every key, none twice.
func TestCatalogLoads(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.T("vi", "err.too_long", "max", 200); !strings.Contains(got, "200") {
		t.Errorf("placeholder not filled: %q", got)
	}
	if got := c.T("en", "no.such.key"); got != "no.such.key" {
		t.Errorf("unknown key shows itself, got %q", got)
	}
}

func TestAssetVersionStable(t *testing.T) {
	if a, b := AssetVersion(), AssetVersion(); a != b || len(a) != 10 {
		t.Fatalf("asset version %q %q", a, b)
	}
}
