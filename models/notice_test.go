package models

import (
	"reflect"
	"testing"
	"time"

	"pakn/models/workdays"
)

// TestReceivedNoticeIsCitizenNotice: the receipt built from a struct is the
// generic notice of stage "received", byte for byte.
func TestReceivedNoticeIsCitizenNotice(t *testing.T) {
	due := time.Date(2026, 12, 4, 23, 59, 59, 0, workdays.VietnamLocation())
	now := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		p    Petition
		unit string
	}{
		{"e-mail", Petition{ID: 7, Code: "PAKN-261127-0001", Title: "Đường sụt lún", PetitionerName: "Nguyễn Văn An",
			PetitionerEmail: "an@example.vn", PetitionerPhone: "0901234567", Language: "vi"}, "Ủy ban nhân dân huyện Bến Lức"},
		{"phone only", Petition{ID: 8, Code: "PAKN-261127-10000", Title: "Thư <b>\"gấp\"</b> & khẩn \u2028", PetitionerName: "Trần Thị B",
			PetitionerPhone: "0901234567", Language: "en"}, "Sở <Giao thông>"},
		{"empty code (the batch statement's template)", Petition{Title: "x", PetitionerName: "y", PetitionerEmail: "a@b.vn", Language: "vi"}, "z"},
		{"no contact", Petition{Code: "PAKN-261127-0002", Title: "x", PetitionerName: "y"}, "z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want, err := citizenNotice(&tc.p, "received", map[string]any{"unit": tc.unit, "due_at": due}, now)
			if err != nil {
				t.Fatal(err)
			}
			got, err := receivedNotice(&tc.p, tc.unit, due, now)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("receivedNotice:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}
