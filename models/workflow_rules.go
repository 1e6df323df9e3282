package models

import "slices"

// Actions on a petition: the last segment of /admin/petitions/{code}/{action}
// (the form contract of docs/ARCHITECTURE.md) and the citizen's own steps.
const (
	ActAccept      = "accept"
	ActReject      = "reject"
	ActDuplicate   = "duplicate"
	ActAssign      = "assign"
	ActTransfer    = "transfer"
	ActRequestInfo = "request-info"
	ActDraft       = "draft"
	ActApprove     = "approve"
	ActReturn      = "return"
	ActPublish     = "publish"
	ActUnpublish   = "unpublish"
	ActExtend      = "extend"
	ActNote        = "note"
	ActAttach      = "attach"
	// ActReferences corrects the dossier and procedure codes.
	ActReferences = "references"
	// ActRelease releases one exact finding of the publication guard.
	ActRelease = "release"

	// The citizen's steps (with code and secret, no role).
	ActSupplyInfo = "supply-info"
	ActWithdraw   = "withdraw"
	ActRate       = "rate"
	// The scheduler's step when requested information never came.
	ActCloseNoInfo = "close-no-info"
)

// OfficialActions are the actions of the petition page, in display order.
var OfficialActions = []string{ActAccept, ActReject, ActDuplicate, ActAssign, ActTransfer, ActRequestInfo,
	ActDraft, ActApprove, ActReturn, ActPublish, ActUnpublish, ActExtend}

// transition is one row of the state machine: the states an action may
// start from, the state it leads to ("" keeps the state) and the roles that
// may take it (nil: not an official's action).
type transition struct {
	From  []string
	To    string
	Roles []string
}

var (
	triageRoles = []string{RoleOfficer, RoleLeader, RoleCoordinator, RoleAdmin}
	unitRoles   = []string{RoleOfficer, RoleLeader}
	openStates  = []string{StatusReceived, StatusAccepted, StatusAwaitingInfo, StatusDrafted}
)

// workflowTable is the rights table and state rules of docs/ARCHITECTURE.md
// in one place.
func workflowTable(action string) (transition, bool) {
	switch action {
	case ActAccept:
		return transition{[]string{StatusReceived}, StatusAccepted, triageRoles}, true
	case ActReject:
		return transition{[]string{StatusReceived, StatusAccepted}, StatusRejected, triageRoles}, true
	case ActDuplicate:
		return transition{[]string{StatusReceived, StatusAccepted}, StatusDuplicate, triageRoles}, true
	case ActTransfer:
		// A transfer keeps the state and changes the unit.
		return transition{[]string{StatusReceived, StatusAccepted, StatusAwaitingInfo}, "", triageRoles}, true
	case ActAssign:
		return transition{openStates, "", []string{RoleLeader, RoleCoordinator, RoleAdmin}}, true
	case ActExtend:
		return transition{[]string{StatusAccepted, StatusAwaitingInfo, StatusDrafted}, "", []string{RoleLeader}}, true
	case ActRequestInfo:
		return transition{[]string{StatusAccepted}, StatusAwaitingInfo, unitRoles}, true
	case ActDraft:
		// A duplicate may still get an answer of its own.
		return transition{[]string{StatusAccepted, StatusDrafted, StatusDuplicate}, StatusDrafted, unitRoles}, true
	case ActApprove:
		return transition{[]string{StatusDrafted}, StatusAnswered, []string{RoleLeader}}, true
	case ActReturn:
		// The leader returns a draft; the coordinator also returns an
		// approved answer that does not fit the question, before publication.
		return transition{[]string{StatusDrafted, StatusAnswered}, StatusAccepted, []string{RoleLeader, RoleCoordinator}}, true
	case ActPublish:
		return transition{[]string{StatusAnswered}, StatusPublished, []string{RoleLeader}}, true
	case ActUnpublish:
		return transition{[]string{StatusPublished}, StatusAnswered, []string{RoleLeader, RoleCoordinator}}, true
	case ActRelease:
		return transition{[]string{StatusDrafted, StatusAnswered}, "", []string{RoleLeader}}, true
	case ActNote:
		return transition{nil, "", triageRoles}, true
	case ActReferences:
		return transition{nil, "", triageRoles}, true
	case ActAttach:
		return transition{[]string{StatusReceived, StatusAccepted, StatusAwaitingInfo, StatusDrafted}, "", unitRoles}, true
	case ActSupplyInfo:
		return transition{[]string{StatusAwaitingInfo}, StatusAccepted, nil}, true
	case ActWithdraw:
		return transition{openStates, StatusWithdrawn, nil}, true
	case ActRate:
		return transition{[]string{StatusAnswered, StatusPublished, StatusDuplicate}, "", nil}, true
	case ActCloseNoInfo:
		return transition{[]string{StatusAwaitingInfo}, StatusClosed, nil}, true
	}
	return transition{}, false
}

// RoleMay tells whether a role may take an action at all (403 otherwise).
func RoleMay(role, action string) bool {
	tr, ok := workflowTable(action)
	return ok && slices.Contains(tr.Roles, role)
}

// NextState returns the state an action leads to from a state, or
// ErrConflict when the state does not allow it (409).
func NextState(action, from string) (string, error) {
	tr, ok := workflowTable(action)
	if !ok {
		return "", ErrNotFound
	}
	if tr.From != nil && !slices.Contains(tr.From, from) {
		return "", ErrConflict
	}
	if tr.To == "" {
		return from, nil
	}
	return tr.To, nil
}

// AvailableActions lists what a viewer may do now on a petition, for the
// buttons of its page (the server checks again on every post).
func AvailableActions(v Viewer, p *Petition) []string {
	var out []string
	for _, a := range OfficialActions {
		if !RoleMay(v.Role, a) {
			continue
		}
		if _, err := NextState(a, p.Status); err != nil {
			continue
		}
		switch {
		case a == ActPublish && !p.PublishConsent:
			continue
		case a == ActExtend && (p.ExtendedDays > 0 || p.AnswerDueAt == nil):
			continue
		case a == ActReturn && v.Role == RoleCoordinator && p.Status != StatusAnswered && p.Status != StatusDrafted:
			continue
		}
		out = append(out, a)
	}
	return out
}
