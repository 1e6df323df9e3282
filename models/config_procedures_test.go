package models_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"pakn/internal/testdb"
	"pakn/models"
)

func TestReferenceCodeNormalisation(t *testing.T) {
	tests := []struct {
		in, dossier, procedure string
	}{
		{" h42.27-250312-0003 ", "H42.27-250312-0003", "H42.27-250312-0003"},
		{"1.001612", "1.001612", "1.001612"},
		{"1.001612.000.00.00.H42", "1.001612.000.00.00.H42", "1.001612"},
		{"2.000 884", "2.000884", "2.000884"},
		{"", "", ""},
	}
	for _, tc := range tests {
		if got := models.NormalizeDossierCode(tc.in); got != tc.dossier {
			t.Errorf("NormalizeDossierCode(%q) = %q, want %q", tc.in, got, tc.dossier)
		}
		if got := models.NormalizeProcedureCode(tc.in); got != tc.procedure {
			t.Errorf("NormalizeProcedureCode(%q) = %q, want %q", tc.in, got, tc.procedure)
		}
	}
}

// TestProcedures: the one-stop references of a petition on each database,
// from intake (formats, the list, routing) through correction, the inbox
// search and the statistics, and the import of the province's list.
func TestProcedures(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		st := seeded(t, tg)
		t.Run("Intake", func(t *testing.T) { testProcedureIntake(t, st) })
		t.Run("Import", func(t *testing.T) { testProcedureImport(t, st) })
		t.Run("CorrectSearchCount", func(t *testing.T) { testProcedureCorrectSearchCount(t, st) })
	})
}

func testProcedureIntake(t *testing.T, st *models.Store) {
	ctx := context.Background()
	tests := []struct {
		name                string
		dossier, procedure  string
		fields              map[string]string
		wantDossier, wantPr string
		wantUnit            string
	}{
		{"neither", "", "", nil, "", "", "BEN-LUC"},
		{"both; the procedure's unit takes it", "h42.27-250312-0003", "1.004222", nil, "H42.27-250312-0003", "1.004222", "CA"},
		{"a full provincial code is cut to the national one", "", "1.001612.000.00.00.H42", nil, "", "1.001612", "BEN-LUC"},
		{"a procedure without a unit routes as before", "", "1.001193", nil, "", "1.001193", "BEN-LUC"},
		{"dossier with a slash", "H42/2025", "", map[string]string{"dossier_code": "err.dossier_code"}, "", "", ""},
		{"dossier of 41 characters", strings.Repeat("A", 41), "", map[string]string{"dossier_code": "err.dossier_code"}, "", "", ""},
		{"procedure not in the national form", "", "1612", map[string]string{"procedure_code": "err.procedure_code"}, "", "", ""},
		{"procedure not in the province's list", "", "9.999999", map[string]string{"procedure_code": "err.unknown_procedure"}, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := validInput()
			in.DossierCode, in.ProcedureCode = tc.dossier, tc.procedure
			sub, err := st.SubmitPetition(ctx, in)
			if tc.fields != nil {
				if got := fieldKeys(err); len(got) != len(tc.fields) || got[firstKey(tc.fields)] != tc.fields[firstKey(tc.fields)] {
					t.Fatalf("errors %v, want %v (err %v)", got, tc.fields, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var p models.Petition
			if err := st.DB.Preload("Unit").First(&p, sub.Petition.ID).Error; err != nil {
				t.Fatal(err)
			}
			if p.DossierCode != tc.wantDossier || p.ProcedureCode != tc.wantPr || p.Unit.Code != tc.wantUnit {
				t.Fatalf("stored %q %q at %s, want %q %q at %s", p.DossierCode, p.ProcedureCode, p.Unit.Code, tc.wantDossier, tc.wantPr, tc.wantUnit)
			}
		})
	}
}

func firstKey(m map[string]string) string {
	for k := range m {
		return k
	}
	return ""
}

func testProcedureImport(t *testing.T, st *models.Store) {
	ctx := context.Background()
	admin := models.Viewer{ID: 1, Role: models.RoleAdmin, Name: "Quản trị"}
	csv := "\ufeffcode,name,unit,field\n" +
		"1.000001,Thủ tục thử nghiệm một,STNMT,Đất đai\n" +
		"1.000002,,STNMT,\n" + // no name
		"12345,Mã sai,,\n" + // bad code
		"1.000003,Đơn vị lạ,KHONG-CO,\n" + // unknown unit
		"1.000001,Trùng mã,,\n" + // duplicate
		"1.000004.000.00.00.H42,Mã đầy đủ của tỉnh,Sở Xây dựng,Xây dựng\n"
	var progress []int
	res, err := st.ImportProcedures(ctx, strings.NewReader(csv), models.FAQFormatCSV, models.ProcedureImportOptions{
		Actor: admin, BatchSize: 1, Progress: func(done, total int) { progress = append(progress, done) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 6 || res.Created != 2 || len(res.Errors) != 4 {
		t.Fatalf("result %+v", res)
	}
	for i, want := range []struct {
		line  int
		field string
	}{{3, "name"}, {4, "code"}, {5, "unit"}, {6, "code"}} {
		if e := res.Errors[i]; e.Line != want.line || e.Field != want.field {
			t.Errorf("error %d: %s, want line %d field %s", i, e, want.line, want.field)
		}
	}
	if len(progress) != 3 || progress[len(progress)-1] != 6 {
		t.Errorf("progress %v", progress)
	}
	// Imported codes are known to the next submission at once.
	in := validInput()
	in.ProcedureCode = "1.000001"
	sub, err := st.SubmitPetition(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Unit.Code != "STNMT" {
		t.Fatalf("routed to %s, want the procedure's unit STNMT", sub.Unit.Code)
	}
	// A workbook with the national database's Vietnamese headers updates
	// by code; an unchanged row stays as it is.
	x := excelize.NewFile()
	rows := [][]any{{"Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Cơ quan thực hiện"},
		{"1.000001", "Thủ tục thử nghiệm một (sửa)", "Đất đai", "STNMT"},
		{"1.000004", "Mã đầy đủ của tỉnh", "Xây dựng", "SXD"}}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	res, err = st.ImportProcedures(ctx, &buf, models.FAQFormatXLSX, models.ProcedureImportOptions{Actor: admin})
	if err != nil {
		t.Fatal(err)
	}
	if res.Updated != 1 || res.Unchanged != 1 || len(res.Errors) != 0 {
		t.Fatalf("workbook result %+v", res)
	}
	var events int64
	st.DB.Model(&models.Event{}).Where("subject = ? AND type = ?", "procedures", "procedures_imported").Count(&events)
	if events < 3 {
		t.Errorf("%d import events, want one per batch that changed something", events)
	}
	if _, err := st.ImportProcedures(ctx, strings.NewReader(csv), models.FAQFormatCSV,
		models.ProcedureImportOptions{Actor: models.Viewer{ID: 2, Role: models.RoleCoordinator}}); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("a coordinator's import: %v, want ErrForbidden", err)
	}
	// Taken off the list: no longer offered, nor accepted.
	if err := st.DeactivateProcedure(ctx, admin, "1.000004"); err != nil {
		t.Fatal(err)
	}
	in.ProcedureCode = "1.000004"
	if _, err := st.SubmitPetition(ctx, in); fieldKeys(err)["procedure_code"] != "err.unknown_procedure" {
		t.Fatalf("a deactivated procedure: %v", err)
	}
	for _, tc := range []struct {
		q     string
		limit int
		want  []string
	}{
		{"THỬ NGHIỆM", 10, []string{"1.000001"}},
		{"thu nghiem", 10, []string{"1.000001"}},
		{"Đăng ký khai", 10, []string{"1.000656", "1.001193"}},
		{"dang ky", 2, []string{"1.000656", "1.000894"}},
		{"1.0042", 10, []string{"1.004222"}},
		{"không có thủ tục này", 10, nil},
	} {
		found, err := st.SearchProcedures(ctx, tc.q, tc.limit)
		var codes []string
		for _, p := range found {
			codes = append(codes, p.Code)
		}
		if err != nil || strings.Join(codes, " ") != strings.Join(tc.want, " ") {
			t.Errorf("search %q: %v %v, want %v", tc.q, codes, err, tc.want)
		}
	}
}

func testProcedureCorrectSearchCount(t *testing.T, st *models.Store) {
	ctx := context.Background()
	in := validInput()
	in.DossierCode = "000.00.17.H42-250101-0009"
	sub, err := st.SubmitPetition(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	code := sub.Petition.Code
	officer := viewerOf(t, st, "officer.ben-luc@demo.pakn.vn")
	coord := viewerOf(t, st, "coordinator@demo.pakn.vn")
	clerk := viewerOf(t, st, "clerk@demo.pakn.vn")
	if _, err := st.CorrectReferences(ctx, clerk, code, "X", ""); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("a clerk who did not enter it: %v, want not found", err)
	}
	if _, err := st.CorrectReferences(ctx, officer, code, in.DossierCode, "8.888888"); fieldKeys(err)["procedure_code"] != "err.unknown_procedure" {
		t.Fatalf("unknown procedure: %v", err)
	}
	p, err := st.CorrectReferences(ctx, officer, code, "000.00.17.h42-250101-0010", "1.001612")
	if err != nil {
		t.Fatal(err)
	}
	if p.DossierCode != "000.00.17.H42-250101-0010" || p.ProcedureCode != "1.001612" {
		t.Fatalf("corrected to %q %q", p.DossierCode, p.ProcedureCode)
	}
	var evs []models.Event
	st.DB.Where("petition_id = ? AND type IN ?", p.ID, []string{"dossier_corrected", "procedure_corrected"}).Order("id").Find(&evs)
	if len(evs) != 2 || evs[0].FromValue != "000.00.17.H42-250101-0009" || evs[1].ToValue != "1.001612" || evs[0].ActorName != officer.Name || evs[0].Public {
		t.Fatalf("audit %+v", evs)
	}
	for _, q := range []string{"000.00.17.h42-250101-0010", "1.001612.000.00.00.H42"} {
		page, err := st.Inbox(ctx, coord, models.InboxFilter{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		if !inboxHas(page, code) {
			t.Errorf("inbox search %q does not find %s", q, code)
		}
	}
	page, err := st.Inbox(ctx, officer, models.InboxFilter{Procedure: "1.001612"})
	if err != nil || !inboxHas(page, code) {
		t.Fatalf("inbox filter by procedure: %v", err)
	}
	stats, err := st.Statistics(ctx, models.StatsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var row *models.StatsProcedure
	for i := range stats.Procedures {
		if stats.Procedures[i].Procedure.Code == "1.001612" {
			row = &stats.Procedures[i]
		}
	}
	var want int64
	st.DB.Model(&models.Petition{}).Where("procedure_code = ?", "1.001612").Count(&want)
	if row == nil || int64(row.Received) != want || row.Procedure.Name != "Đăng ký thành lập hộ kinh doanh" {
		t.Fatalf("statistics row %+v, want %d received", row, want)
	}
	for i := 1; i < len(stats.Procedures); i++ {
		if stats.Procedures[i].Received > stats.Procedures[i-1].Received {
			t.Fatalf("procedures not ordered by received: %+v", stats.Procedures)
		}
	}
}

func inboxHas(page *models.InboxPage, code string) bool {
	for _, p := range page.Petitions {
		if p.Code == code {
			return true
		}
	}
	return false
}
