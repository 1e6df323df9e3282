package models

import "pakn/models/personaldata"

// hideIdentity masks, for a viewer outside the Service Center, what a
// confidential petition tells about its petitioner: the name and contact
// fields, and the same details where the text carries them (personaldata.Redact, with
// the petitioner as its subject, also finds phone numbers, e-mail
// addresses and ID numbers the petitioner typed anywhere).
func hideIdentity(p *Petition) {
	subj := SubjectOf(p)
	for _, f := range []*string{&p.Title, &p.Content, &p.Address} {
		*f = redactFor(*f, subj)
	}
	p.PetitionerName, p.PetitionerPhone, p.PetitionerEmail, p.PetitionerAddress, p.PetitionerOrganization = "", "", "", "", ""
}

// redactFor is text with the subject's details and any personal data the
// detector finds replaced by placeholders.
func redactFor(text string, subj personaldata.Subject) string {
	if text == "" {
		return text
	}
	return personaldata.Redact(text, subj)
}
