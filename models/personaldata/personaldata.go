// Package personaldata finds and redacts the personal data people write in
// petitions and answers: phone numbers, ID-card, passport and tax numbers,
// bank accounts, licence plates, e-mail addresses (also written "(at)" or
// "a còng") and people's names after a form of address or a kinship or role
// word. It owns the detector behind the publication guard and the redaction
// that prefills a petition's public versions; it is pure functions of text,
// with no state and no database.
package personaldata

import (
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Kind is what a finding is.
type Kind string

// The kinds Find reports.
const (
	Phone       Kind = "phone"
	IDNumber    Kind = "id_number" // CCCD (12 digits), CMND (9 digits)
	Email       Kind = "email"
	BankAccount Kind = "bank_account"
	Plate       Kind = "plate" // vehicle licence plate
	Passport    Kind = "passport"
	TaxCode     Kind = "tax_code"
	Name        Kind = "name"
)

// Kinds lists every kind, in a stable order.
var Kinds = []Kind{Phone, IDNumber, Email, BankAccount, Plate, Passport, TaxCode, Name}

// Finding is one piece of personal data: its kind, its byte span in the
// text Find was given and the matched text (text[Start:End]).
type Finding struct {
	Kind       Kind
	Start, End int
	Text       string
}

// Normalise is the form Find expects and Redact returns: valid UTF-8, NFC.
func Normalise(s string) string {
	return norm.NFC.String(strings.ToValidUTF8(s, "\uFFFD"))
}

// Find reports the personal data in text, sorted by position and without
// overlaps. Spans index text as given; text should be NFC (Normalise), as
// every stored text is. It prefers false alarms to misses for numbers and
// e-mails, and finds names only where a word before them says a person
// follows, so that ordinary capitalised words stay alone.
func Find(text string) []Finding {
	return find(text, "")
}

func find(text, subjectPhone string) []Finding {
	var fs []Finding
	fs = append(fs, findEmails(text)...)
	fs = append(fs, findPlates(text)...)
	fs = append(fs, findPassports(text)...)
	fs = append(fs, findNumbers(text, subjectPhone)...)
	fs = append(fs, findNames(text)...)
	return settle(text, fs)
}

// settle sorts findings, merges overlapping ones into the first (so that
// redaction covers everything any pass matched) and fills in their text.
func settle(text string, fs []Finding) []Finding {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return b.End - a.End
	})
	out := fs[:0]
	for _, f := range fs {
		if f.End <= f.Start {
			continue
		}
		if n := len(out); n > 0 && f.Start < out[n-1].End {
			out[n-1].End = max(out[n-1].End, f.End)
			continue
		}
		out = append(out, f)
	}
	for i := range out {
		out[i].Text = text[out[i].Start:out[i].End]
	}
	return out
}

// Contains reports whether Find finds anything in text.
func Contains(text string) bool {
	return len(Find(Normalise(text))) > 0
}
