package delivery

import (
	"fmt"
	"strings"
)

// NormalizePhoneVN turns a Vietnamese phone number as people write it
// ("0912 345 678", "091.234.5678", "+84 912-345-678", "84912345678",
// "0084912345678", "(0272) 3826 123") into E.164 form: "+84" followed by the
// national significant number (9 digits for mobiles, 10 for landlines). It
// rejects numbers of another country and the pre-2018 11-digit mobile form.
func NormalizePhoneVN(s string) (string, error) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')':
		default:
			return "", fmt.Errorf("phone %q: unexpected character %q", s, r)
		}
	}
	d := b.String()
	var nsn string
	switch {
	case strings.HasPrefix(d, "+84"):
		nsn = d[3:]
	case strings.HasPrefix(d, "+"):
		return "", fmt.Errorf("phone %q: not a Vietnamese number", s)
	case strings.HasPrefix(d, "0084"):
		nsn = d[4:]
	case strings.HasPrefix(d, "84") && (len(d) == 11 || len(d) == 12):
		nsn = d[2:]
	case strings.HasPrefix(d, "0"):
		nsn = d[1:]
	default:
		return "", fmt.Errorf("phone %q: want a national (0…) or international (+84…) number", s)
	}
	nsn = strings.TrimPrefix(nsn, "0") // "+84 0912…" is a common slip
	if len(nsn) < 9 || len(nsn) > 10 || nsn[0] < '2' {
		return "", fmt.Errorf("phone %q: not a valid Vietnamese number", s)
	}
	if len(nsn) == 10 && nsn[0] != '2' {
		// Ten digits after the trunk prefix only exist for landlines (02x…).
		return "", fmt.Errorf("phone %q: not a valid Vietnamese number", s)
	}
	return "+84" + nsn, nil
}
