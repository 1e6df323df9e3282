package models

import "pakn/models/personaldata"

// RedactSubject is the petitioner whose details Redact removes in addition
// to what the detector finds by itself.
type RedactSubject = personaldata.Subject

// Placeholders that Redact writes in place of personal data.
const (
	RedactedName    = personaldata.RedactedName
	RedactedPhone   = personaldata.RedactedPhone
	RedactedEmail   = personaldata.RedactedEmail
	RedactedID      = personaldata.RedactedID
	RedactedAddress = personaldata.RedactedAddress
)

// Redact prefills the public version of a petition's question or answer
// (personaldata.Redact): the subject's details and everything the detector
// finds become placeholders, for an official to review.
func Redact(text string, s RedactSubject) string {
	return personaldata.Redact(text, s)
}

// ContainsPersonalData reports whether the detector finds anything in text:
// phone, ID, passport, tax and bank account numbers, licence plates,
// e-mail addresses, or names after a form of address or a kinship word.
func ContainsPersonalData(text string) bool {
	return personaldata.Contains(text)
}
