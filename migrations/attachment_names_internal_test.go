package migrations

import "testing"

func TestM0081CleanName(t *testing.T) {
	for in, want := range map[string]string{
		"evil\u202efdp.exe": "evilfdp.exe",
		"đơn.pdf":           "đơn.pdf",
		"\u2066\u2069":      "file",
		"a\x00b\u200b.png":  "ab.png",
	} {
		if got := m0081CleanName(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
