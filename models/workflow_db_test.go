package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
	"pakn/models/workdays"
)

func viewerOf(t *testing.T, st *models.Store, email string) models.Viewer {
	t.Helper()
	var u models.User
	if err := st.DB.Where("email = ?", email).First(&u).Error; err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return models.ViewerOf(&u)
}

func outboxStages(t *testing.T, st *models.Store, p *models.Petition) map[string]int {
	t.Helper()
	var rows []models.OutboxMessage
	if err := st.DB.Where("petition_id = ?", p.ID).Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[strings.TrimPrefix(r.Template, "citizen_")]++
	}
	return out
}

func dueEvents(t *testing.T, st *models.Store, p *models.Petition) []models.Event {
	t.Helper()
	var evs []models.Event
	if err := st.DB.Where("petition_id = ? AND type = ?", p.ID, "due_changed").Order("id").Find(&evs).Error; err != nil {
		t.Fatal(err)
	}
	return evs
}

// The deadline clock through acceptance, transfer, a paused request for
// information, an extension and the answer; duplicates and publication.
func TestWorkflowClockAndPublication(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		st := e.Store
		ctx := context.Background()
		vn := workdays.VietnamLocation()
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, vn) // a Monday
		st.Now = func() time.Time { return now }
		officer := viewerOf(t, st, "officer.ben-luc@demo.pakn.vn")
		leader := viewerOf(t, st, "leader.ben-luc@demo.pakn.vn")
		coord := viewerOf(t, st, "coordinator@demo.pakn.vn")
		stnmt := viewerOf(t, st, "officer.stnmt@demo.pakn.vn")
		cal, err := st.Calendar(ctx)
		if err != nil {
			t.Fatal(err)
		}

		sub := e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai", PublishConsent: true,
			Content: "Tôi là Nguyễn Văn An, số điện thoại 0901234567, đề nghị sửa đường liên xã qua ấp 3."})
		code := sub.Petition.Code

		// Another unit's officer: the same 404 as for an unknown code.
		if _, err := st.AcceptPetition(ctx, stnmt, code); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("STNMT accepts BEN-LUC's petition: %v", err)
		}
		if _, err := st.ApproveAnswer(ctx, officer, code); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("officer approves: %v", err)
		}
		if _, err := st.ApproveAnswer(ctx, leader, code); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("approve a received petition: %v", err)
		}

		p, err := st.AcceptPetition(ctx, officer, code)
		if err != nil {
			t.Fatal(err)
		}
		wantDue := cal.AddWorkingDays(now, models.DefaultAnswerDays)
		if p.AcceptedAt == nil || p.AnswerDueAt == nil || !p.AnswerDueAt.Equal(wantDue) || !p.DueAt.Equal(wantDue) || p.DueStage != models.StageAnswer {
			t.Fatalf("after accept: accepted %v, answer due %v, due %v %s; want %v", p.AcceptedAt, p.AnswerDueAt, p.DueAt, p.DueStage, wantDue)
		}

		// A transfer and back: the clock keeps running from the first
		// acceptance; the second transfer flags the petition.
		now = now.AddDate(0, 0, 1)
		p, err = st.TransferPetition(ctx, officer, code, "STNMT", "Thuộc thẩm quyền của Sở")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.PetitionForOfficial(ctx, officer, code); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("old unit still reads the petition: %v", err)
		}
		if _, err := st.PetitionForOfficial(ctx, stnmt, code); err != nil {
			t.Fatalf("new unit does not see it at once: %v", err)
		}
		p, err = st.TransferPetition(ctx, stnmt, code, "BEN-LUC", "Thuộc địa bàn huyện")
		if err != nil {
			t.Fatal(err)
		}
		if p.Transfers != 2 || !p.AnswerDueAt.Equal(wantDue) {
			t.Fatalf("after two transfers: %d transfers, due %v", p.Transfers, p.AnswerDueAt)
		}
		if page, err := st.Inbox(ctx, coord, models.InboxFilter{Flagged: true}); err != nil || page.Total != 1 {
			t.Fatalf("coordinator's flagged inbox: %v %v", page, err)
		}
		if stages := outboxStages(t, st, p); stages["transferred"] != 2 {
			t.Fatalf("transfer notices: %v", stages)
		}

		// Request for information: the clock pauses for the citizen.
		p, err = st.RequestInfo(ctx, officer, code, "Đề nghị cung cấp ảnh chụp hiện trường.")
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != models.StatusAwaitingInfo || p.DueStage != models.StageInfo || !p.DueAt.Equal(cal.AddWorkingDays(now, models.DefaultInfoWaitDays)) {
			t.Fatalf("after request-info: %s %s %v", p.Status, p.DueStage, p.DueAt)
		}
		paused := now
		now = now.AddDate(0, 0, 7) // a week later
		png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")
		if _, err := st.SupplyInfo(ctx, code, "WRONG-SECRET", "x", nil); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("supply with a wrong secret: %v", err)
		}
		p, err = st.SupplyInfo(ctx, code, sub.Secret, "Ảnh đính kèm.", []models.AttachmentInput{{Name: "anh.png", Data: png}})
		if err != nil {
			t.Fatal(err)
		}
		resumed := cal.ResumeAfterPause(wantDue, paused, now)
		if p.Status != models.StatusAccepted || !p.AnswerDueAt.Equal(resumed) || !p.DueAt.Equal(resumed) || p.DueStage != models.StageAnswer {
			t.Fatalf("after info: %s due %v, want %v", p.Status, p.AnswerDueAt, resumed)
		}

		// One extension, within the limit, by the leader.
		if _, err := st.ExtendDeadline(ctx, officer, code, 5, "x"); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("officer extends: %v", err)
		}
		if _, err := st.ExtendDeadline(ctx, leader, code, 11, "Cần khảo sát"); err == nil {
			t.Fatal("extension beyond the policy limit accepted")
		}
		p, err = st.ExtendDeadline(ctx, leader, code, 10, "Cần khảo sát thực địa")
		if err != nil {
			t.Fatal(err)
		}
		if want := cal.AddWorkingDays(resumed, 10); !p.AnswerDueAt.Equal(want) || !p.DueAt.Equal(want) {
			t.Fatalf("extended due %v, want %v", p.AnswerDueAt, want)
		}
		if _, err := st.ExtendDeadline(ctx, leader, code, 1, "again"); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("second extension: %v", err)
		}
		evs := dueEvents(t, st, p)
		if len(evs) < 4 {
			t.Fatalf("due changes audited: %d events", len(evs))
		}
		for _, ev := range evs {
			if ev.FromValue == "" || ev.ToValue == "" {
				t.Fatalf("due change without dates: %+v", ev)
			}
		}

		// A co-petitioner's duplicate never receives the original's private
		// answer: only its public answer, once published.
		dup := e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai",
			Petitioner: models.PetitionerInput{Name: "Trần Thị Bình", Phone: "0912345678", Address: "Ấp 3"}})
		if _, err := st.MarkDuplicate(ctx, officer, dup.Petition.Code, dup.Petition.Code); err == nil {
			t.Fatal("duplicate of itself accepted")
		}
		if _, err := st.MarkDuplicate(ctx, officer, dup.Petition.Code, code); err != nil {
			t.Fatal(err)
		}

		// Draft: public versions prefilled by redaction.
		p, err = st.DraftAnswer(ctx, officer, code, models.DraftInput{Answer: "Kính gửi ông Nguyễn Văn An: UBND huyện sẽ sửa chữa đoạn đường trong quý II."})
		if err != nil {
			t.Fatal(err)
		}
		for _, leak := range []string{"Nguyễn Văn An", "0901234567"} {
			if strings.Contains(p.PublicQuestion, leak) || strings.Contains(p.PublicAnswer, leak) {
				t.Fatalf("public text keeps %q: %q / %q", leak, p.PublicQuestion, p.PublicAnswer)
			}
		}
		if _, err := st.PublishAnswer(ctx, leader, code); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("publish a draft: %v", err)
		}
		if p, err = st.ApproveAnswer(ctx, leader, code); err != nil {
			t.Fatal(err)
		}
		if p.Status != models.StatusAnswered || p.AnsweredAt == nil || p.DueAt != nil {
			t.Fatalf("after approve: %s %v %v", p.Status, p.AnsweredAt, p.DueAt)
		}
		tp, err := st.PetitionForCitizen(ctx, dup.Petition.Code, dup.Secret)
		if err != nil || tp.Petition.AnswerVisible() || tp.Petition.Answer != "" || tp.Joined == nil ||
			tp.Joined.OriginalCode != code || tp.Joined.Public != nil {
			t.Fatalf("co-petitioner before publication: %v %+v", err, tp)
		}
		if s := outboxStages(t, st, &dup.Petition); s["answered"] != 0 || s["duplicate"] != 1 {
			t.Fatalf("co-petitioner's notices: %v", s)
		}
		if s := outboxStages(t, st, p); s["accepted"] != 1 || s["info_requested"] != 1 || s["answered"] != 1 {
			t.Fatalf("citizen notices: %v", s)
		}

		// Publication: only public fields reach the published item.
		if p, err = st.PublishAnswer(ctx, leader, code); err != nil {
			t.Fatal(err)
		}
		var item models.PublishedItem
		if err := st.DB.Where("id = ?", models.AnswerItemID(p.ID)).First(&item).Error; err != nil {
			t.Fatal(err)
		}
		if item.Type != models.ItemAnswer || item.Question != p.PublicQuestion || item.Answer != p.PublicAnswer || item.UnitCode != "BEN-LUC" || item.Withdrawn {
			t.Fatalf("published item: %+v", item)
		}
		for _, leak := range []string{"Nguyễn Văn An", "0901234567", "an@example.vn"} {
			if strings.Contains(item.Title+item.Question+item.Answer, leak) {
				t.Fatalf("published item leaks %q", leak)
			}
		}
		tp, err = st.PetitionForCitizen(ctx, dup.Petition.Code, dup.Secret)
		if err != nil || tp.Joined == nil || tp.Joined.Public == nil || tp.Joined.Public.Answer != p.PublicAnswer || tp.Petition.Answer != "" {
			t.Fatalf("co-petitioner after publication: %v %+v", err, tp)
		}
		if s := outboxStages(t, st, &dup.Petition); s["duplicate_published"] != 1 || s["answered"] != 0 {
			t.Fatalf("co-petitioner's notices after publication: %v", s)
		}
		var dupNotices []models.OutboxMessage
		st.DB.Where("petition_id = ?", dup.Petition.ID).Find(&dupNotices)
		for _, m := range dupNotices {
			if strings.Contains(m.Data, "Nguyễn Văn An") || strings.Contains(m.Data, sub.Petition.PetitionerName) {
				t.Fatalf("co-petitioner's notice %s carries the original's private answer or petitioner: %s", m.Template, m.Data)
			}
		}
		if _, err := st.UnpublishAnswer(ctx, officer, code); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("officer unpublishes: %v", err)
		}
		if p, err = st.UnpublishAnswer(ctx, coord, code); err != nil || p.Status != models.StatusAnswered {
			t.Fatalf("coordinator unpublishes: %v", err)
		}
		st.DB.Where("id = ?", item.ID).First(&item)
		if !item.Withdrawn {
			t.Fatal("unpublished item still public")
		}

		// The citizen rates once.
		if _, err := st.RatePetition(ctx, code, sub.Secret, 5, "Cảm ơn"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.RatePetition(ctx, code, sub.Secret, 4, ""); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("second rating: %v", err)
		}
		if _, err := st.WithdrawPetition(ctx, code, sub.Secret); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("withdraw after the answer: %v", err)
		}
	})
}

func TestCitizenStepsAndThrottle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		st := e.Store
		ctx := context.Background()
		sub := e.Submit(models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai"})
		code := sub.Petition.Code
		// A wrong contact changes nothing.
		if _, err := st.ResendSecret(ctx, code, "someone@else.vn"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.PetitionForCitizen(ctx, code, sub.Secret); err != nil {
			t.Fatalf("secret changed for a wrong contact: %v", err)
		}
		if _, err := st.ResendSecret(ctx, code, "AN@example.vn"); err != nil {
			t.Fatal(err)
		}
		// The old secret works until the new one is first used.
		if _, err := st.PetitionForCitizen(ctx, code, sub.Secret); err != nil {
			t.Fatalf("old secret stopped working before the new one was used: %v", err)
		}
		var msg models.OutboxMessage
		if err := st.DB.Where("petition_id = ? AND template = ?", sub.Petition.ID, "citizen_secret").First(&msg).Error; err != nil {
			t.Fatal(err)
		}
		if msg.Recipient != "an@example.vn" {
			t.Fatalf("sent to %q", msg.Recipient)
		}
		var data struct{ Secret string }
		raw, err := st.NoticeData(msg)
		if err != nil || jsonUnmarshal(raw, &data) != nil || data.Secret == "" {
			t.Fatalf("outbox data: %v %q", err, raw)
		}
		if strings.Contains(msg.Data, data.Secret) || strings.Contains(msg.Data, models.NormalizeSecret(data.Secret)) {
			t.Fatal("the reissued secret is stored in clear")
		}
		if _, err := st.PetitionForCitizen(ctx, code, data.Secret); err != nil {
			t.Fatalf("new secret does not work: %v", err)
		}
		if _, err := st.PetitionForCitizen(ctx, code, sub.Secret); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("old secret still works after the new one was used: %v", err)
		}
		sub.Secret = data.Secret

		// Information that never comes: the petition is closed, with a notice.
		vn := workdays.VietnamLocation()
		officer := viewerOf(t, st, "officer.ben-luc@demo.pakn.vn")
		if _, err := st.AcceptPetition(ctx, officer, code); err != nil {
			t.Fatal(err)
		}
		p, err := st.RequestInfo(ctx, officer, code, "Đề nghị bổ sung giấy tờ.")
		if err != nil {
			t.Fatal(err)
		}
		// The deadlines job closes it on the day after the waiting period.
		if _, err := st.RunDeadlines(ctx, *p.DueAt); err != nil {
			t.Fatal(err)
		}
		if got := petitionStatus(t, st, code); got != models.StatusAwaitingInfo {
			t.Fatalf("closed on its last day: %s", got)
		}
		after := p.DueAt.In(vn).AddDate(0, 0, 1)
		if _, err := st.RunDeadlines(ctx, after); err != nil {
			t.Fatal(err)
		}
		if _, err := st.RunDeadlines(ctx, after); err != nil {
			t.Fatal(err)
		}
		if got := petitionStatus(t, st, code); got != models.StatusClosed {
			t.Fatalf("not closed the day after: %s", got)
		}
		if s := outboxStages(t, st, p); s["info_closed"] != 1 {
			t.Fatalf("closing notice: %v", s)
		}
	})
}

func petitionStatus(t *testing.T, st *models.Store, code string) string {
	t.Helper()
	var p models.Petition
	if err := st.DB.Where("code = ?", code).First(&p).Error; err != nil {
		t.Fatal(err)
	}
	return p.Status
}
