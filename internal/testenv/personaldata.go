package testenv

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"pakn/models"
)

// Person is a petitioner whose every detail is known, so that a scan of the
// database can look for each one after an erasure.
type Person struct {
	Name, Phone, Email, IDNumber, Address, Organization string
}

// KnownPerson is the test petitioner of the erasure tests.
func KnownPerson() Person {
	return Person{
		Name:         "Trần Thị Bích Ngọc",
		Phone:        "0912 345 678",
		Email:        "ngoc.tran@example.vn",
		IDNumber:     "079186001234",
		Address:      "Số 47 đường Hùng Vương, phường 2, thành phố Tân An",
		Organization: "Hợp tác xã Ngọc Phát Đạt",
	}
}

// Values are the details in the forms the program may store them: as typed,
// and the phone without spaces.
func (p Person) Values() []string {
	return []string{p.Name, p.Phone, strings.ReplaceAll(p.Phone, " ", ""), p.Email, p.IDNumber, p.Address, p.Organization}
}

// Mention is a sentence that repeats every detail.
func (p Person) Mention() string {
	return fmt.Sprintf("Tôi là %s, CCCD %s, ở %s, điện thoại %s, thư %s, thay mặt %s.",
		p.Name, p.IDNumber, p.Address, p.Phone, p.Email, p.Organization)
}

// FilledPetition is a petition carried through the workflow by FillPetition.
type FilledPetition struct {
	Code, Secret string
	ID           int64
}

// FillPetition submits a petition of p with a file, and carries it through
// every step that stores text — note, request for information, the
// citizen's reply with a file, draft, approval, publication, rating, a read
// of the details, a reissued secret — each text repeating p's details; then
// fills every free-text column of the petition and of one audit event that
// is still empty. The petition ends answered and published.
func (e *Env) FillPetition(p Person) FilledPetition {
	t := e.T
	t.Helper()
	ctx := context.Background()
	st := e.Store
	pdf := []byte("%PDF-1.4\n" + p.Mention() + "\n%%EOF\n")
	lat, long := 10.53612, 106.41345
	sub, err := st.SubmitPetition(ctx, models.SubmitInput{
		Kind: models.KindComplaint, Title: "Khiếu nại của " + p.Name + " " + p.Phone,
		Content: p.Mention(), Category: "dat-dai", Area: "BEN-LUC", Address: p.Address, Lat: &lat, Long: &long,
		PublishConsent: true,
		Petitioner:     models.PetitionerInput{Name: p.Name, Phone: p.Phone, Email: p.Email, Address: p.Address, Organization: p.Organization},
		Attachments:    []models.AttachmentInput{{Name: "CCCD " + p.Name + ".pdf", Data: pdf}},
	})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	code := sub.Petition.Code
	officer, leader := e.Viewer("officer.ben-luc@demo.pakn.vn"), e.Viewer("leader.ben-luc@demo.pakn.vn")
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	_, err = st.AcceptPetition(ctx, officer, code)
	must("accept", err)
	must("note", st.AddNote(ctx, officer, code, "Đã gọi "+p.Phone+" gặp "+p.Name+"; "+p.Email))
	_, err = st.RequestInfo(ctx, officer, code, "Đề nghị ông/bà "+p.Name+" gửi bản sao CCCD "+p.IDNumber)
	must("request info", err)
	_, err = st.SupplyInfo(ctx, code, sub.Secret, p.Mention(), []models.AttachmentInput{{Name: p.Email + ".pdf", Data: append(pdf, " bổ sung"...)}})
	must("supply info", err)
	_, err = st.DraftAnswer(ctx, officer, code, models.DraftInput{
		Answer:         "Trả lời bà " + p.Name + " (" + p.Address + ", " + p.Phone + "): đã sửa đường.",
		PublicQuestion: "Đường liên xã bị sụt lún, đề nghị sửa chữa.", PublicAnswer: "Đơn vị đã sửa chữa đoạn đường.",
		PublicTitle: "Đường liên xã bị sụt lún",
	})
	must("draft", err)
	_, err = st.ApproveAnswer(ctx, leader, code)
	must("approve", err)
	_, err = st.PublishAnswer(ctx, leader, code)
	must("publish", err)
	_, err = st.RatePetition(ctx, code, sub.Secret, 4, "Cảm ơn, liên hệ "+p.Email+" hoặc "+p.Phone)
	must("rate", err)
	_, err = st.PetitionForOfficial(ctx, leader, code)
	must("read details", err)
	_, err = st.ResendSecret(ctx, code, p.Email)
	must("resend", err)

	var id int64
	must("petition id", st.DB.Model(&models.Petition{}).Where("code = ?", code).Pluck("id", &id).Error)
	// Structural columns hold codes, states and hashes, never free text;
	// every other text column gets personal data, so a column added later
	// is covered without a change here. The public versions stay out: they
	// are what an official reviewed for publication, and erasure keeps them.
	structural := []string{"code", "secret_hash", "pending_secret_hash", "kind", "status", "channel",
		"language", "due_stage", "public_question", "public_answer", "public_title"}
	must("fill petition", e.fillTextColumns("petitions", "id = ?", id, structural, p.Mention(), p.Phone))
	ev := models.Event{PetitionID: &id, At: time.Now().UTC(), ActorName: p.Name, Type: "test_filled"}
	must("event", st.DB.Create(&ev).Error)
	must("fill event", e.fillTextColumns("events", "id = ?", ev.ID, []string{"type", "subject"}, p.Mention(), p.Phone))
	return FilledPetition{Code: code, Secret: sub.Secret, ID: id}
}

// fillTextColumns sets every empty text column of the row but skip to text,
// or to short in a column too narrow for it.
func (e *Env) fillTextColumns(table, where string, arg any, skip []string, text, short string) error {
	cols, err := e.Store.DB.Migrator().ColumnTypes(table)
	if err != nil {
		return err
	}
	upd := map[string]any{}
	for _, c := range cols {
		name := strings.ToLower(c.Name())
		typ := strings.ToLower(c.DatabaseTypeName())
		if slices.Contains(skip, name) || !(strings.Contains(typ, "char") || strings.Contains(typ, "text")) {
			continue
		}
		if n, ok := c.Length(); ok && n > 0 && n < int64(len(text)) {
			upd[name] = short
			continue
		}
		upd[name] = text
	}
	// Only columns still empty: what the workflow wrote stays as it is.
	for col := range upd {
		var n int64
		if err := e.Store.DB.Table(table).Where(where, arg).Where(col + " <> ''").Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			delete(upd, col)
		}
	}
	if len(upd) == 0 {
		return nil
	}
	return e.Store.DB.Table(table).Where(where, arg).Updates(upd).Error
}

// Trace is one place a value was found.
type Trace struct {
	Table, Column, Value string
}

func (t Trace) String() string { return t.Table + "." + t.Column + " holds " + t.Value }

// FindValues reads every column of every table the schema lists and
// returns where any of values occurs (ignoring case and Unicode
// normalisation) in text or bytes. Tables are listed from the database,
// so a table added later is searched too.
func (e *Env) FindValues(values []string) []Trace {
	t := e.T
	t.Helper()
	db := e.Store.DB
	tables, err := db.Migrator().GetTables()
	if err != nil {
		t.Fatalf("tables: %v", err)
	}
	var needles []string
	for _, v := range values {
		needles = append(needles, strings.ToLower(norm.NFC.String(v)))
	}
	var found []Trace
	for _, table := range tables {
		rows, err := db.Table(table).Rows()
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			t.Fatalf("columns of %s: %v", table, err)
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("scan %s: %v", table, err)
			}
			for i, v := range vals {
				var s string
				switch x := v.(type) {
				case string:
					s = x
				case []byte:
					s = string(x)
				default:
					continue
				}
				s = strings.ToLower(norm.NFC.String(s))
				for k, n := range needles {
					if strings.Contains(s, n) {
						found = append(found, Trace{table, cols[i], values[k]})
					}
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("rows of %s: %v", table, err)
		}
		rows.Close()
	}
	return found
}

// Viewer is the official of that e-mail address.
func (e *Env) Viewer(email string) models.Viewer {
	e.T.Helper()
	var u models.User
	if err := e.Store.DB.Where("email = ?", email).First(&u).Error; err != nil {
		e.T.Fatalf("user %s: %v", email, err)
	}
	return models.ViewerOf(&u)
}
