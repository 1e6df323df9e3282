package personaldata

import (
	"fmt"
	"testing"
)

func TestFind(t *testing.T) {
	type f struct {
		kind Kind
		text string
	}
	tests := []struct {
		name string
		in   string
		want []f
	}{
		// Phones as people type them.
		{"slashes", "SĐT 0988/111/222 nhé", []f{{Phone, "0988/111/222"}}},
		{"spaced pairs", "gọi 09 88 11 12 22", []f{{Phone, "09 88 11 12 22"}}},
		{"digits typed apart", "số 0 9 8 8 1 1 1 2 2 2 ạ", []f{{Phone, "0 9 8 8 1 1 1 2 2 2"}}},
		{"full-width digits", "ĐT ０９１２３４５６７８", []f{{Phone, "０９１２３４５６７８"}}},
		{"+84 dotted", "(+84) 912.345.678", []f{{Phone, "(+84) 912.345.678"}}},
		{"84 with trunk zero", "+84 0912 345 678", []f{{Phone, "+84 0912 345 678"}}},
		{"landline dashes", "028-3822-1234", []f{{Phone, "028-3822-1234"}}},
		// ID numbers.
		{"CCCD in pairs", "CCCD 07 92 01 23 45 67", []f{{IDNumber, "07 92 01 23 45 67"}}},
		{"CCCD with O for zero", "CCCD O792O1234567 cấp", []f{{IDNumber, "O792O1234567"}}},
		{"CCCD in fours", "0792 0123 4567", []f{{IDNumber, "0792 0123 4567"}}},
		{"CMND", "CMND số 301234567.", []f{{IDNumber, "301234567"}}},
		// E-mail written to fool robots.
		{"(at)", "dung.do(at)example.com", []f{{Email, "dung.do(at)example.com"}}},
		{"[at] spaced", "dung.do [at] example.com", []f{{Email, "dung.do [at] example.com"}}},
		{"a còng", "dung.do a còng gmail.com", []f{{Email, "dung.do a còng gmail.com"}}},
		{"(dot)", "dung(at)mail(dot)vn", []f{{Email, "dung(at)mail(dot)vn"}}},
		{"full-width at", "dung＠mail.vn", []f{{Email, "dung＠mail.vn"}}},
		// Bank accounts, tax and passport numbers, plates.
		{"bank account", "chuyển vào tài khoản 0071000123456 tại Vietcombank", []f{{BankAccount, "0071000123456"}}},
		{"STK grouped", "STK: 1903 5555 1234 01", []f{{BankAccount, "1903 5555 1234 01"}}},
		{"số TK", "số TK 123456789", []f{{BankAccount, "123456789"}}},
		{"tax code", "mã số thuế 8012345678", []f{{TaxCode, "8012345678"}}},
		{"branch tax code", "MST 0301234567-001", []f{{TaxCode, "0301234567-001"}}},
		{"passport", "hộ chiếu số B1234567", []f{{Passport, "B1234567"}}},
		{"plate car", "xe biển số 62A-123.45 đậu", []f{{Plate, "62A-123.45"}}},
		{"plate motorbike", "xe máy 59X1-234.56", []f{{Plate, "59X1-234.56"}}},
		{"plate old", "xe 51F-12345", []f{{Plate, "51F-12345"}}},
		{"plate spaced", "xe 59-X1 123.45", []f{{Plate, "59-X1 123.45"}}},
		// Names.
		{"honorific", "Bà Đỗ Thị Dung (0988/111/222, dung.do[at]example.com)",
			[]f{{Name, "Đỗ Thị Dung"}, {Phone, "0988/111/222"}, {Email, "dung.do[at]example.com"}}},
		{"wife", "Vợ tôi là Trần Thị Mai bị ngã", []f{{Name, "Trần Thị Mai"}}},
		{"neighbour", "Hàng xóm Lê Văn Tám lấn chiếm lối đi", []f{{Name, "Lê Văn Tám"}}},
		{"child", "con tôi Nguyễn Minh Khang học lớp 3", []f{{Name, "Nguyễn Minh Khang"}}},
		{"child named", "con tôi tên là Khang", []f{{Name, "Khang"}}},
		{"head of group", "ông tổ trưởng Phạm Văn Bảy không xác nhận", []f{{Name, "Phạm Văn Bảy"}}},
		{"head of hamlet", "trưởng ấp Huỳnh Văn Út", []f{{Name, "Huỳnh Văn Út"}}},
		// Not personal.
		{"money", "phí 150000000 đồng, 1.500.000 đồng, 12 triệu", nil},
		{"decree and date", "Nghị định 13/2023/NĐ-CP ngày 17/04/2023", nil},
		{"dates in a range", "từ 01/01/2025 - 31/12/2025", nil},
		{"hotline", "Tổng đài 1900 1234 hoặc 1022", nil},
		{"procedure code", "thủ tục 1.001612, mã hồ sơ H12.34-241201-0001", nil},
		{"bank without number", "tài khoản định danh điện tử mức 2", nil},
		{"road", "quốc lộ 1A, tỉnh lộ 830, đường ĐT 827", nil},
		{"kin then lower case", "con đường, vợ chồng, bố mẹ già", nil},
		{"office", "ông Chủ tịch UBND xã, bà con Nhân dân", nil},
		{"place", "đường Bà Triệu, tỉnh Bà Rịa", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []f
			for _, x := range Find(tt.in) {
				if tt.in[x.Start:x.End] != x.Text {
					t.Fatalf("span %d:%d is %q, text %q", x.Start, x.End, tt.in[x.Start:x.End], x.Text)
				}
				got = append(got, f{x.Kind, x.Text})
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("Find(%q)\n got %v\nwant %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestRedactNewKinds(t *testing.T) {
	in := "Vợ tôi là Trần Thị Mai, STK 0071000123456, xe 62A-123.45, hộ chiếu B1234567, MST 8012345678, mail mai(at)example.com."
	want := "Vợ tôi là [họ tên], STK [số tài khoản], xe [biển số xe], hộ chiếu [số giấy tờ], MST [mã số thuế], mail [email]."
	if got := Redact(in, Subject{}); got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	if fs := Find(want); len(fs) > 0 {
		t.Fatalf("found %v in redacted text", fs)
	}
}

// FuzzFind checks Find's contract on any text: sorted, non-overlapping
// spans on rune boundaries whose Text is the span, and nothing left for it
// to find once Redact has run.
func FuzzFind(f *testing.F) {
	for _, s := range []string{"Bà Đỗ Thị Dung (0988/111/222, dung.do[at]example.com)", "STK 0071000123456, 62A-123.45",
		"vợ tôi là Trần Thị Mai, CCCD O792O1234567", "０９１２３４５６７８ hộ chiếu B1234567", "\xff\xfeO0o 84 (at)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		end := 0
		for _, x := range Find(s) {
			if x.Start < end || x.End <= x.Start || x.End > len(s) || s[x.Start:x.End] != x.Text {
				t.Fatalf("bad finding %+v (previous end %d) in %q", x, end, s)
			}
			end = x.End
		}
		out := Redact(s, Subject{})
		if fs := Find(out); len(fs) > 0 {
			t.Fatalf("Redact(%q) = %q still has %v", s, out, fs)
		}
	})
}
