package personaldata

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestRedact(t *testing.T) {
	subject := Subject{
		Name:    "Nguyễn Văn Tuấn",
		Address: "số 12 đường Nguyễn Huệ, phường 1, thành phố Tân An",
		Phone:   "0912 345 678",
		Email:   "tuan.nv@example.vn",
	}
	tests := []struct {
		name string
		in   string
		s    Subject
		want string
	}{
		// Phones.
		{"mobile", "Gọi 0912345678 nhé.", Subject{}, "Gọi [số điện thoại] nhé."},
		{"mobile with spaces", "SĐT: 0912 345 678", Subject{}, "SĐT: [số điện thoại]"},
		{"mobile with dots", "SĐT 0912.345.678.", Subject{}, "SĐT [số điện thoại]."},
		{"mobile with dashes", "SĐT 091-234-5678", Subject{}, "SĐT [số điện thoại]"},
		{"mobile in pairs", "SĐT 0912 34 56 78", Subject{}, "SĐT [số điện thoại]"},
		{"+84", "liên hệ +84 912 345 678 hoặc", Subject{}, "liên hệ [số điện thoại] hoặc"},
		{"(+84)", "ĐT (+84) 91 234 5678", Subject{}, "ĐT [số điện thoại]"},
		{"84 without plus", "ĐT 84912345678", Subject{}, "ĐT [số điện thoại]"},
		{"landline", "Điện thoại bàn 0272 3826 123.", Subject{}, "Điện thoại bàn [số điện thoại]."},
		{"landline with parentheses", "Gọi (0272) 3826-123", Subject{}, "Gọi [số điện thoại]"},
		{"two phones joined by a dash", "0912345678 - 0987654321", Subject{}, "[số điện thoại] - [số điện thoại]"},
		{"phone glued to a word", "SĐT:0912345678", Subject{}, "SĐT:[số điện thoại]"},
		{"year before a phone", "Năm 2025 0912345678", Subject{}, "Năm 2025 [số điện thoại]"},
		{"house number before a phone", "nhà 12 0912345678", Subject{}, "nhà 12 [số điện thoại]"},
		{"subject phone in odd format", "gọi 91 23 45 678", Subject{Phone: "+84912345678"}, "gọi [số điện thoại]"},
		// IDs.
		{"CCCD", "CCCD số 079203012345 cấp ngày 01/02/2021", Subject{}, "CCCD số [số giấy tờ] cấp ngày 01/02/2021"},
		{"CCCD with spaces", "CCCD 079 203 012 345.", Subject{}, "CCCD [số giấy tờ]."},
		{"CMND", "CMND 301234567", Subject{}, "CMND [số giấy tờ]"},
		{"CMND with spaces", "CMND 301 234 567", Subject{}, "CMND [số giấy tờ]"},
		// E-mail.
		{"email", "Gửi về tuan.nv@example.vn giúp tôi", Subject{}, "Gửi về [email] giúp tôi"},
		{"email with plus and subdomain", "(a+b@mail.so.gov.vn)", Subject{}, "([email])"},
		{"subject email in capitals", "TUAN.NV@EXAMPLE.VN", subject, "[email]"},
		// Numbers that are not personal.
		{"money", "Phạt 150.000.000 đồng và 1.500.000 đồng", Subject{}, "Phạt 150.000.000 đồng và 1.500.000 đồng"},
		{"money then phone", "giá 150.000.000 0912345678", Subject{}, "giá 150.000.000 [số điện thoại]"},
		{"dates and documents", "Quyết định 274/QĐ-TTg ngày 12/02/2019; Nghị định 13/2023/NĐ-CP", Subject{}, "Quyết định 274/QĐ-TTg ngày 12/02/2019; Nghị định 13/2023/NĐ-CP"},
		{"tracking code", "Mã PAKN-261126-0001", Subject{}, "Mã PAKN-261126-0001"},
		{"hotline", "Tổng đài 1900 1234 hoặc 1022", Subject{}, "Tổng đài 1900 1234 hoặc 1022"},
		{"short numbers", "ấp 3, tổ 12, lô 45", Subject{}, "ấp 3, tổ 12, lô 45"},
		// The subject's name.
		{"full name", "Tôi là Nguyễn Văn Tuấn, cư trú tại", subject, "Tôi là [họ tên], cư trú tại"},
		{"full name in capitals", "NGUYỄN VĂN TUẤN", subject, "[họ tên]"},
		{"full name without diacritics", "Toi la Nguyen Van Tuan", subject, "Toi la [họ tên]"},
		{"given part capitalised", "Văn Tuấn đã nộp hồ sơ", subject, "[họ tên] đã nộp hồ sơ"},
		{"given part lower case is words", "tư vấn tuần này", subject, "tư vấn tuần này"},
		{"other diacritics are other words", "Vấn Tuần", subject, "Vấn Tuần"},
		{"lone given name kept", "Tuấn là tên phổ biến", subject, "Tuấn là tên phổ biến"},
		{"four-syllable name", "Bà Nguyễn Thị Thu Hà và Thu Hà", Subject{Name: "Nguyễn Thị Thu Hà"}, "Bà [họ tên] và [họ tên]"},
		// The subject's address.
		{"full address", "Địa chỉ: số 12 đường Nguyễn Huệ, phường 1, thành phố Tân An.", subject, "Địa chỉ: [địa chỉ]."},
		{"address without diacritics", "o so 12 duong Nguyen Hue, phuong 1, thanh pho Tan An", subject, "o [địa chỉ]"},
		{"first part of the address", "nhà tôi ở số 12 đường Nguyễn Huệ bị ngập", subject, "nhà tôi ở [địa chỉ] bị ngập"},
		{"other house number kept", "số 14 đường Nguyễn Huệ", subject, "số 14 đường Nguyễn Huệ"},
		// Forms of address.
		{"ông + full name", "Ông Nguyễn Văn A phản ánh", Subject{}, "Ông [họ tên] phản ánh"},
		{"bà + full name", "gửi bà Lê Thị B.", Subject{}, "gửi bà [họ tên]."},
		{"anh + given name", "anh Tuấn và chị Hoa cho biết", Subject{}, "anh [họ tên] và chị [họ tên] cho biết"},
		{"cô, chú", "cô Lan, chú Ba", Subject{}, "cô [họ tên], chú [họ tên]"},
		{"without diacritics", "ong Tran Van C", Subject{}, "ong [họ tên]"},
		{"all capitals", "ÔNG TRẦN VĂN C", Subject{}, "ÔNG [họ tên]"},
		{"lower-case words are not names", "bà con ấp 3, anh em, cô ấy, chú ý", Subject{}, "bà con ấp 3, anh em, cô ấy, chú ý"},
		{"office after ông", "ông Chủ tịch UBND xã", Subject{}, "ông Chủ tịch UBND xã"},
		{"name then office", "ông Nguyễn Văn A Trưởng ấp", Subject{}, "ông [họ tên] Trưởng ấp"},
		{"name then unit", "bà Lê Thị B Phường 3", Subject{}, "bà [họ tên] Phường 3"},
		{"given name Trường", "ông Nguyễn Xuân Trường", Subject{}, "ông [họ tên]"},
		{"acronym after anh", "anh UBND", Subject{}, "anh UBND"},
		{"street named after a person", "đường Bà Triệu, trường Bà Triệu", Subject{}, "đường Bà Triệu, trường Bà Triệu"},
		{"place names", "tỉnh Bà Rịa - Vũng Tàu, núi Bà Đen, chợ Bà Chiểu, cầu Ông Lãnh", Subject{}, "tỉnh Bà Rịa - Vũng Tàu, núi Bà Đen, chợ Bà Chiểu, cầu Ông Lãnh"},
		{"English", "học tiếng Anh Văn", Subject{}, "học tiếng Anh Văn"},
		{"at most four words", "ông Nguyễn Văn Thành Công Ty", Subject{}, "ông [họ tên] Ty"},
		// Text kept intact.
		{"nothing to redact", "Đường ĐT 827 bị hư hỏng nặng, đề nghị sửa chữa!", Subject{}, "Đường ĐT 827 bị hư hỏng nặng, đề nghị sửa chữa!"},
		{"empty", "", subject, ""},
		{"NFD input comes out NFC", norm.NFD.String("Ông Lê Văn Bình gọi 0912345678"), Subject{}, "Ông [họ tên] gọi [số điện thoại]"},
		{"invalid UTF-8", "ab\xffc 0912345678", Subject{}, "ab\uFFFDc [số điện thoại]"},
		{"everything", "Tôi là Nguyễn Văn Tuấn (CCCD 079203012345), ở số 12 đường Nguyễn Huệ, phường 1, thành phố Tân An, SĐT 0912 345 678, email tuan.nv@example.vn. Ông Trần Văn Hùng, cán bộ địa chính, chưa trả lời.", subject,
			"Tôi là [họ tên] (CCCD [số giấy tờ]), ở [địa chỉ], SĐT [số điện thoại], email [email]. Ông [họ tên], cán bộ địa chính, chưa trả lời."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Redact(tt.in, tt.s)
			if got != tt.want {
				t.Fatalf("Redact(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if Contains(got) {
				t.Fatalf("Contains(%q) after redaction", got)
			}
		})
	}
}

func TestContains(t *testing.T) {
	for _, s := range []string{"0912345678", "a@b.vn", "079203012345", "CMND 301 234 567", "+84 912 345 678", "Ông Nguyễn Văn A"} {
		if !Contains(s) {
			t.Errorf("Contains(%q) = false", s)
		}
	}
	for _, s := range []string{"", "1.500.000 đồng", "ngày 26/11/2026", "PAKN-261126-0001", "Ông [họ tên]"} {
		if Contains(s) {
			t.Errorf("Contains(%q) = true", s)
		}
	}
}

// redactFuzzReader hands out the fuzzer's bytes one at a time, then zeros.
type redactFuzzReader struct{ b []byte }

func (r *redactFuzzReader) next() int {
	if len(r.b) == 0 {
		return 0
	}
	v := int(r.b[0])
	r.b = r.b[1:]
	return v
}

func (r *redactFuzzReader) digits(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + r.next()%10))
	}
	return b.String()
}

// groupDigits splits digits at the given sizes with sep.
func groupDigits(d, sep string, sizes ...int) string {
	var parts []string
	for _, n := range sizes {
		parts = append(parts, d[:n])
		d = d[n:]
	}
	if d != "" {
		parts = append(parts, d)
	}
	return strings.Join(parts, sep)
}

// plantedDatum builds a phone, e-mail or ID number from the fuzzer's bytes.
func plantedDatum(r *redactFuzzReader) string {
	seps := []string{"", " ", ".", "-"}
	sep := seps[r.next()%len(seps)]
	switch r.next() % 7 {
	case 0: // mobile
		d := "0" + string("35789"[r.next()%5]) + r.digits(8)
		if r.next()%2 == 0 {
			return groupDigits(d, sep, 4, 3)
		}
		return groupDigits(d, sep, 3, 3)
	case 1: // +84 mobile
		d := string("35789"[r.next()%5]) + r.digits(8)
		p := []string{"+84 ", "+84", "(+84) ", "84"}[r.next()%4]
		if sep == "" {
			return p + d
		}
		return p + groupDigits(d, sep, 2, 3)
	case 2: // landline
		d := "02" + r.digits(9)
		if r.next()%2 == 0 {
			return "(" + d[:4] + ") " + groupDigits(d[4:], sep, 4)
		}
		return groupDigits(d, sep, 4, 3)
	case 3: // CCCD
		d := "0" + r.digits(11)
		if sep == "-" || sep == "." {
			sep = " "
		}
		return groupDigits(d, sep, 3, 3, 3)
	case 4: // CMND
		d := string("123456789"[r.next()%9]) + r.digits(8)
		if sep != "" {
			sep = " "
		}
		return groupDigits(d, sep, 3, 3)
	default: // e-mail
		const letters = "abcdefghijklmnopqrstuvwxyz"
		const local = letters + "0123456789._+-"
		var b strings.Builder
		b.WriteByte(letters[r.next()%len(letters)])
		for range r.next() % 12 {
			b.WriteByte(local[r.next()%len(local)])
		}
		b.WriteByte('@')
		for range 1 + r.next()%8 {
			b.WriteByte(letters[r.next()%len(letters)])
		}
		b.WriteString([]string{".vn", ".com", ".gov.vn", ".com.vn", ".org"}[r.next()%5])
		return b.String()
	}
}

func FuzzRedact(f *testing.F) {
	f.Add([]byte{0, 0, 1, 2, 3}, "Tôi là Nguyễn Văn A, ", "Nguyễn Văn A")
	f.Add([]byte{1, 1, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}, "SĐT 12", "")
	f.Add([]byte{2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7}, "1.500.000 đồng ông Lê", "Lê B")
	f.Add([]byte{3, 6, 5, 5, 5, 5, 5, 5, 5, 5}, "a@b.c 84 ", "")
	f.Add([]byte("\xff\x00\x10 random"), "\xffbà Hoa\u0301 (", "Hoa")
	f.Fuzz(func(t *testing.T, data []byte, text, name string) {
		r := &redactFuzzReader{b: data}
		var in strings.Builder
		var planted []string
		pieces := []rune(text)
		for k := 0; k < 4; k++ {
			// A slice of the fuzzer's text, then a planted datum.
			if len(pieces) > 0 {
				a := r.next() % (len(pieces) + 1)
				b := a + r.next()%(len(pieces)-a+1)
				in.WriteString(string(pieces[a:b]))
			}
			d := plantedDatum(r)
			planted = append(planted, d)
			fmt.Fprintf(&in, " %s ", d)
		}
		if len(pieces) > 0 {
			in.WriteString(text)
		}
		out := Redact(in.String(), Subject{Name: name})
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q", in.String())
		}
		if Contains(out) {
			t.Fatalf("personal data left in\n%q\nout of\n%q", out, in.String())
		}
		for _, d := range planted {
			if strings.Contains(out, d) {
				t.Fatalf("planted %q left in\n%q\nout of\n%q", d, out, in.String())
			}
		}
		// Redacting twice changes nothing more in numbers and e-mails.
		if again := Redact(out, Subject{}); Contains(again) {
			t.Fatalf("second pass found data in %q", again)
		}
	})
}

func BenchmarkRedact(b *testing.B) {
	text := strings.Repeat("Tôi là Nguyễn Văn Tuấn, SĐT 0912 345 678, ở số 12 đường Nguyễn Huệ, phường 1; ông Trần Văn Hùng chưa trả lời đơn ngày 12/02/2026 về khoản phạt 1.500.000 đồng. ", 50)
	s := Subject{Name: "Nguyễn Văn Tuấn", Address: "số 12 đường Nguyễn Huệ, phường 1", Phone: "0912345678", Email: "tuan@example.vn"}
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Redact(text, s)
	}
}
