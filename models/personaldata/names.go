package personaldata

// People's names are found where a word before them says a person follows:
// a form of address ("ông Nguyễn Văn A", "chị Hoa"), a kinship or role word
// ("vợ tôi là Trần Thị Mai", "hàng xóm Lê Văn Tám", "ông tổ trưởng Phạm
// Văn Bảy"). A capitalised word elsewhere is left alone: Vietnamese
// capitalises places, offices and the first word of a sentence too.

// isAddressForm reports whether w is a form of address that precedes a
// person's name.
func isAddressForm(w string) bool {
	switch w {
	case "ông", "bà", "anh", "chị", "cô", "chú", "bác", "cụ", "dì", "cậu", "thím", "mợ", "dượng", "em", "cháu":
		return true
	}
	return false
}

// isAddressFormPlain is isAddressForm for text typed without diacritics; it
// applies only to a word written without any ("co" alone could be "có").
func isAddressFormPlain(w string) bool {
	switch w {
	case "ong", "ba", "anh", "chi", "co", "chu", "bac":
		return true
	}
	return false
}

// kinTrigger reports a kinship or role word of one or two words at i,
// after which a name may follow, possibly after fillers ("vợ tôi là …"),
// and how many words it takes (0: none).
func kinTrigger(words []word, i int) int {
	if i+1 < len(words) {
		switch words[i].lower + " " + words[i+1].lower {
		case "hàng xóm", "tổ trưởng", "tổ phó", "trưởng ấp", "trưởng thôn", "trưởng khu", "chủ nhà",
			"chủ hộ", "chủ trọ", "người thuê", "anh trai", "chị gái", "em trai", "em gái", "con trai",
			"con gái", "hang xom", "to truong":
			return 2
		}
	}
	switch words[i].lower {
	case "vợ", "chồng", "con", "bố", "mẹ", "cha", "má", "bạn", "vo", "chong":
		return 1
	}
	return 0
}

// isFiller reports the small words between a trigger and the name:
// "vợ tôi là", "ông tổ trưởng", "chị hàng xóm tên là".
func isFiller(w string) bool {
	switch w {
	case "tôi", "của", "là", "tên", "mình", "nhà", "bên", "cạnh", "ấy", "đó", "cả", "út", "trai",
		"gái", "ông", "bà", "anh", "chị", "cô", "chú", "bác", "em", "tổ", "trưởng", "phó", "hàng",
		"xóm", "khu", "phố", "thôn", "ấp", "toi", "la", "ten", "cua":
		return true
	}
	return false
}

// isPlaceWord reports words that, just before a form of address, make it
// part of a place, street or school name ("đường Bà Triệu", "cầu Ông Lãnh",
// "tỉnh Bà Rịa", "trường Bà Triệu") or a language ("tiếng Anh").
func isPlaceWord(w string) bool {
	switch w {
	case "xã", "phường", "huyện", "quận", "tỉnh", "trấn", "tp", "tx", "thôn", "ấp",
		"khu", "phố", "làng", "đường", "hẻm", "ngõ", "chợ", "cầu", "núi", "sông",
		"rạch", "kênh", "bến", "đền", "chùa", "miếu", "đình", "trường", "gò", "cồn",
		"vàm", "tiếng", "nước", "lăng", "bàu", "hồ", "rừng":
		return true
	}
	return false
}

// isPlaceFollower reports words that make "Bà …"/"Ông …" a place name even
// without a place word before it ("Bà Rịa", "núi Bà Đen").
func isPlaceFollower(w string) bool {
	switch w {
	case "rịa", "đen", "chiểu", "điểm", "quẹo", "hom", "lãnh":
		return true
	}
	return false
}

// isNameStop reports capitalised words that end a name rather than continue
// it: offices ("ông Chủ tịch", "bà Phó Giám đốc"), bodies ("Ủy ban", "Sở",
// "Nhà nước") and administrative units ("ông Nguyễn Văn A Phường 3").
// Words that are also given names ("Trường", "Công", "Trung") are absent.
func isNameStop(w string) bool {
	switch w {
	case "chủ", "giám", "phó", "trưởng", "bí", "tổng", "thủ", "cán", "ủy", "uỷ",
		"chánh", "hiệu", "tổ", "ubnd", "hđnd", "xã", "phường", "huyện", "quận", "tỉnh",
		"tp", "tx", "thôn", "ấp", "khu", "phố", "đường", "hẻm", "ngõ", "sở", "bộ", "phòng",
		"cục", "ban", "hội", "nhà", "đảng", "tòa", "viện", "cổng":
		return true
	}
	return false
}

// maxNameWords is the longest name taken after a trigger.
const maxNameWords = 4

// maxFillers is how many filler words may stand between trigger and name.
const maxFillers = 4

// findNames reports the capitalised words after a form of address or a
// kinship or role word, keeping the trigger itself out of the finding so
// that redaction reads "ông [họ tên]".
func findNames(text string) []Finding {
	words := splitWords(text)
	var out []Finding
	for i := 0; i < len(words); i++ {
		t := words[i]
		honorific := isAddressForm(t.lower) || (isAddressFormPlain(t.lower) && !t.marked)
		span := 1
		if !honorific {
			if span = kinTrigger(words, i); span == 0 {
				continue
			}
		}
		// In a place's name the form of address is capitalised ("đường Bà
		// Triệu", "tiếng Anh"); "huyện anh Tuấn" is a person.
		if t.upper && i > 0 && isPlaceWord(words[i-1].lower) && onlySpaces(text[words[i-1].end:t.start]) {
			continue
		}
		// Skip fillers ("tôi là"), remembering whether one named the person.
		j, named := i+span, false
		for f := 0; f < maxFillers && j < len(words) && !words[j].upper && isFiller(words[j].lower) &&
			sameClause(text[words[j-1].end:words[j].start]); f++ {
			named = named || words[j].lower == "là" || words[j].lower == "tên"
			j++
		}
		if j >= len(words) {
			continue
		}
		// After a form of address the name follows at once, within the line.
		if gap := text[words[j-1].end:words[j].start]; (j == i+1 && honorific && !onlySpaces(gap)) || !sameClause(gap) {
			continue
		}
		first, last := j, j-1
		for k := j; k < len(words) && k < j+maxNameWords; k++ {
			w := words[k]
			if (k > j && !onlySpaces(text[words[k-1].end:w.start])) || !w.upper || w.digits || glued(text, w) ||
				isNameStop(w.lower) || (w.caps && !t.caps) {
				break
			}
			if k == first && isPlaceFollower(w.lower) {
				break
			}
			last = k
		}
		n := last - first + 1
		if n <= 0 || (!honorific && n < 2 && !named) {
			continue
		}
		out = append(out, Finding{Kind: Name, Start: words[first].start, End: words[last].end})
		i = last
	}
	return out
}

// glued reports a word written against a bracket, such as a redaction
// placeholder's ("A[số giấy tờ]"): part of a code, not a name.
func glued(text string, w word) bool {
	return (w.start > 0 && text[w.start-1] == ']') || (w.end < len(text) && text[w.end] == '[')
}

// sameClause reports whether gap keeps two words in one clause: spaces, a
// colon or a comma ("vợ tôi, Trần Thị Mai").
func sameClause(gap string) bool {
	if gap == "" {
		return false
	}
	for _, r := range gap {
		switch r {
		case ' ', '\t', '\u00a0', ':', ',':
		default:
			return false
		}
	}
	return true
}
