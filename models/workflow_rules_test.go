package models

import (
	"errors"
	"testing"
)

// The state machine, row by row: from each state, what each action leads to
// (or 409).
func TestNextState(t *testing.T) {
	all := []string{StatusReceived, StatusAccepted, StatusRejected, StatusDuplicate, StatusAwaitingInfo,
		StatusDrafted, StatusAnswered, StatusPublished, StatusWithdrawn, StatusClosed}
	// want[action][from] = to; a state missing from the map is a conflict.
	want := map[string]map[string]string{
		ActAccept:      {StatusReceived: StatusAccepted},
		ActReject:      {StatusReceived: StatusRejected, StatusAccepted: StatusRejected},
		ActDuplicate:   {StatusReceived: StatusDuplicate, StatusAccepted: StatusDuplicate},
		ActTransfer:    {StatusReceived: StatusReceived, StatusAccepted: StatusAccepted, StatusAwaitingInfo: StatusAwaitingInfo},
		ActAssign:      {StatusReceived: StatusReceived, StatusAccepted: StatusAccepted, StatusAwaitingInfo: StatusAwaitingInfo, StatusDrafted: StatusDrafted},
		ActExtend:      {StatusAccepted: StatusAccepted, StatusAwaitingInfo: StatusAwaitingInfo, StatusDrafted: StatusDrafted},
		ActRequestInfo: {StatusAccepted: StatusAwaitingInfo},
		ActDraft:       {StatusAccepted: StatusDrafted, StatusDrafted: StatusDrafted, StatusDuplicate: StatusDrafted},
		ActRelease:     {StatusDrafted: StatusDrafted, StatusAnswered: StatusAnswered},
		ActApprove:     {StatusDrafted: StatusAnswered},
		ActReturn:      {StatusDrafted: StatusAccepted, StatusAnswered: StatusAccepted},
		ActPublish:     {StatusAnswered: StatusPublished},
		ActUnpublish:   {StatusPublished: StatusAnswered},
		ActSupplyInfo:  {StatusAwaitingInfo: StatusAccepted},
		ActWithdraw:    {StatusReceived: StatusWithdrawn, StatusAccepted: StatusWithdrawn, StatusAwaitingInfo: StatusWithdrawn, StatusDrafted: StatusWithdrawn},
		ActRate:        {StatusAnswered: StatusAnswered, StatusPublished: StatusPublished, StatusDuplicate: StatusDuplicate},
		ActCloseNoInfo: {StatusAwaitingInfo: StatusClosed},
	}
	for action, rows := range want {
		for _, from := range all {
			got, err := NextState(action, from)
			to, ok := rows[from]
			switch {
			case ok && (err != nil || got != to):
				t.Errorf("%s from %s = %q, %v; want %q", action, from, got, err, to)
			case !ok && !errors.Is(err, ErrConflict):
				t.Errorf("%s from %s = %q, %v; want ErrConflict", action, from, got, err)
			}
		}
	}
	if _, err := NextState("fly", StatusReceived); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown action: %v", err)
	}
}

// TestRoleMay: the rights table of docs/ARCHITECTURE.md.
func TestRoleMay(t *testing.T) {
	roles := []string{RoleOfficer, RoleLeader, RoleCoordinator, RoleClerk, RoleAdmin}
	// Columns in the order of roles.
	table := []struct {
		action string
		may    [5]bool
	}{
		{ActAccept, [5]bool{true, true, true, false, true}},
		{ActReject, [5]bool{true, true, true, false, true}},
		{ActDuplicate, [5]bool{true, true, true, false, true}},
		{ActTransfer, [5]bool{true, true, true, false, true}},
		{ActAssign, [5]bool{false, true, true, false, true}},
		{ActExtend, [5]bool{false, true, false, false, false}},
		{ActRequestInfo, [5]bool{true, true, false, false, false}},
		{ActDraft, [5]bool{true, true, false, false, false}},
		{ActApprove, [5]bool{false, true, false, false, false}},
		{ActReturn, [5]bool{false, true, true, false, false}},
		{ActPublish, [5]bool{false, true, false, false, false}},
		{ActUnpublish, [5]bool{false, true, true, false, false}},
		{ActSupplyInfo, [5]bool{}},
		{ActWithdraw, [5]bool{}},
	}
	for _, row := range table {
		for i, r := range roles {
			if got := RoleMay(r, row.action); got != row.may[i] {
				t.Errorf("RoleMay(%s, %s) = %v, want %v", r, row.action, got, row.may[i])
			}
		}
	}
}

func TestAvailableActions(t *testing.T) {
	leader := Viewer{ID: 1, Role: RoleLeader}
	cases := []struct {
		name string
		v    Viewer
		p    Petition
		want []string
	}{
		{"officer, received", Viewer{Role: RoleOfficer}, Petition{Status: StatusReceived}, []string{ActAccept, ActReject, ActDuplicate, ActTransfer}},
		{"leader, answered without consent", leader, Petition{Status: StatusAnswered}, []string{ActReturn}},
		{"leader, answered with consent", leader, Petition{Status: StatusAnswered, PublishConsent: true}, []string{ActReturn, ActPublish}},
		{"clerk", Viewer{Role: RoleClerk}, Petition{Status: StatusReceived}, nil},
		{"coordinator, published", Viewer{Role: RoleCoordinator}, Petition{Status: StatusPublished}, []string{ActUnpublish}},
	}
	for _, c := range cases {
		got := AvailableActions(c.v, &c.p)
		if len(got) != len(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
				break
			}
		}
	}
}

func TestDetectAttachmentType(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"pdf", []byte("%PDF-1.7\n1 0 obj\n"), TypePDF},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), TypePNG},
		{"jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), TypeJPEG},
		{"html named pdf", []byte("<html><script>alert(1)</script>"), ""},
		{"exe", []byte("MZ\x90\x00\x03"), ""},
		{"zip that is not docx", zipOf(t, "a.txt"), ""},
		{"docx", zipOf(t, "[Content_Types].xml", "word/document.xml"), TypeDOCX},
	}
	for _, c := range cases {
		if got := DetectAttachmentType(c.data); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
