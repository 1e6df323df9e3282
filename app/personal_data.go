package app

import (
	"pakn/models"
	"pakn/models/personaldata"
)

// pdView is the publication guard's box on a petition or FAQ page: each
// public field with its findings marked, and a release form per finding
// for whoever may release.
type pdView struct {
	Refused    bool // a refused publication (409), else a draft's warning
	Fields     []pdField
	Findings   []pdFinding
	ReleaseURL string // "" when the viewer may not release
}

type pdField struct {
	Name  string
	Parts []pdPart
}

// pdPart is a piece of a field's text; Kind is set on a finding.
type pdPart struct{ Text, Kind string }

type pdFinding struct {
	N          int
	Kind, Text string
}

// personalDataView lays the findings out over their fields; nil when
// there are none.
func personalDataView(fields []models.PublicField, fs []models.PersonalDataFinding, refused bool, releaseURL string) *pdView {
	if len(fs) == 0 {
		return nil
	}
	v := &pdView{Refused: refused, ReleaseURL: releaseURL}
	for _, f := range fields {
		text := personaldata.Normalise(f.Text)
		var parts []pdPart
		last := 0
		for _, x := range fs {
			if x.Field != f.Name || x.Start < last || x.End > len(text) {
				continue
			}
			parts = append(parts, pdPart{Text: text[last:x.Start]}, pdPart{Text: x.Text, Kind: string(x.Kind)})
			last = x.End
		}
		if len(parts) > 0 {
			v.Fields = append(v.Fields, pdField{Name: f.Name, Parts: append(parts, pdPart{Text: text[last:]})})
		}
	}
	for i, x := range fs {
		v.Findings = append(v.Findings, pdFinding{N: i + 1, Kind: string(x.Kind), Text: x.Text})
	}
	return v
}
