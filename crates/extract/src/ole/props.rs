//! Property set streams (MS-OLEPS): `\x05SummaryInformation` (title,
//! subject, author, keywords, comments…) and
//! `\x05DocumentSummaryInformation` (category, manager, company, and the
//! user-defined properties, where sensitivity labels such as
//! `MSIP_Label_…_Enabled` live).
//!
//! Each property with a string, number or boolean value becomes a line
//! `Name: value`; named by the well-known table for the first two sets,
//! by the set's dictionary for user-defined ones.

use super::{Extracted, OleError, u16_at, u32_at};

/// FMTID of the SummaryInformation set (F29F85E0-4FF9-1068-AB91-08002B27B3D9).
const SUMMARY: [u8; 16] = [
    0xE0, 0x85, 0x9F, 0xF2, 0xF9, 0x4F, 0x68, 0x10, 0xAB, 0x91, 0x08, 0x00, 0x2B, 0x27, 0xB3, 0xD9,
];
/// FMTID of DocumentSummaryInformation (D5CDD502-2E9C-101B-9397-08002B2CF9AE).
const DOC_SUMMARY: [u8; 16] = [
    0x02, 0xD5, 0xCD, 0xD5, 0x9C, 0x2E, 0x1B, 0x10, 0x93, 0x97, 0x08, 0x00, 0x2B, 0x2C, 0xF9, 0xAE,
];

const VT_I2: u16 = 0x02;
const VT_I4: u16 = 0x03;
const VT_BOOL: u16 = 0x0B;
const VT_LPSTR: u16 = 0x1E;
const VT_LPWSTR: u16 = 0x1F;
const CODEPAGE_UTF16: u16 = 1200;
/// A property set may not claim more properties than this; real ones
/// hold a few dozen.
const MAX_PROPERTIES: usize = 4096;

fn summary_name(id: u32) -> Option<&'static str> {
    Some(match id {
        2 => "Title",
        3 => "Subject",
        4 => "Author",
        5 => "Keywords",
        6 => "Comments",
        7 => "Template",
        8 => "Last saved by",
        18 => "Application",
        _ => return None,
    })
}

fn doc_summary_name(id: u32) -> Option<&'static str> {
    Some(match id {
        2 => "Category",
        3 => "Presentation target",
        14 => "Manager",
        15 => "Company",
        26 => "Content type",
        27 => "Content status",
        28 => "Language",
        _ => return None,
    })
}

/// The `Name: value` lines of a property set stream, at most `cap` bytes.
pub(crate) fn property_text(stream: &[u8], cap: usize) -> Result<Extracted, OleError> {
    let order = u16_at(stream, 0, "property set header")?;
    if order != 0xFFFE {
        return Err(OleError::Corrupt(format!(
            "property set starts with {order:#06x}, not the byte-order mark 0xfffe"
        )));
    }
    let sets = u32_at(stream, 24, "property set count")? as usize;
    let mut out = Extracted::default();
    for i in 0..sets.min(2) {
        let at = 28 + i * 20;
        let fmtid = stream
            .get(at..at + 16)
            .ok_or_else(|| super::short("set FMTID", at, stream.len()))?;
        let offset = u32_at(stream, at + 16, "set offset")? as usize;
        let set = stream.get(offset..).ok_or_else(|| {
            OleError::Corrupt(format!(
                "property set {i} at byte {offset} lies past the stream's end"
            ))
        })?;
        let names: fn(u32) -> Option<&'static str> = if fmtid == SUMMARY {
            summary_name
        } else if fmtid == DOC_SUMMARY && i == 0 {
            doc_summary_name
        } else {
            |_| None
        };
        read_set(set, offset, names, &mut out, cap)?;
    }
    Ok(out)
}

/// One property set: size, count, (id, offset) pairs, values.
fn read_set(
    set: &[u8],
    base: usize,
    names: fn(u32) -> Option<&'static str>,
    out: &mut Extracted,
    cap: usize,
) -> Result<(), OleError> {
    let corrupt = |what: &str, at: usize| {
        OleError::Corrupt(format!(
            "property set at byte {base}: {what} at byte {}",
            base + at
        ))
    };
    let count = u32_at(set, 4, "property count")? as usize;
    if count > MAX_PROPERTIES {
        return Err(corrupt(&format!("{count} properties claimed"), 4));
    }
    let mut entries = Vec::with_capacity(count);
    for k in 0..count {
        let id = u32_at(set, 8 + k * 8, "property id")?;
        let at = u32_at(set, 12 + k * 8, "property offset")? as usize;
        entries.push((id, at));
    }
    // The code page (id 1) says how 8-bit strings and dictionary names
    // are stored; the dictionary (id 0) names user-defined properties.
    let mut codepage = 1252u16;
    for &(id, at) in &entries {
        if id == 1 && u16_at(set, at, "code page")? == VT_I2 {
            codepage = u16_at(set, at + 4, "code page")?;
        }
    }
    let mut dictionary: Vec<(u32, String)> = Vec::new();
    for &(id, at) in &entries {
        if id == 0 {
            dictionary =
                read_dictionary(set, at, codepage).ok_or_else(|| corrupt("dictionary", at))?;
        }
    }
    for &(id, at) in &entries {
        if id <= 1 || id == 0x8000_0000 {
            continue;
        }
        let name = names(id).map(str::to_owned).or_else(|| {
            dictionary
                .iter()
                .find(|(d, _)| *d == id)
                .map(|(_, n)| n.clone())
        });
        let Some(name) = name else { continue };
        let Some(value) = read_value(set, at, codepage) else {
            continue;
        };
        let value = value.trim_end_matches('\0').trim();
        if value.is_empty() {
            continue;
        }
        out.push(&name, cap);
        out.push(": ", cap);
        out.push(&value.replace(['\r', '\n'], " "), cap);
        out.push_char('\n', cap);
    }
    Ok(())
}

/// A string, integer or boolean value; `None` for other types (dates,
/// vectors, blobs) and for values that run past the set.
fn read_value(set: &[u8], at: usize, codepage: u16) -> Option<String> {
    let kind = u16_at(set, at, "").ok()?;
    let v = at + 4;
    match kind {
        VT_LPSTR => {
            let len = u32_at(set, v, "").ok()? as usize;
            let bytes = set.get(v + 4..(v + 4).checked_add(len)?)?;
            Some(decode8(bytes, codepage))
        }
        VT_LPWSTR => {
            let chars = u32_at(set, v, "").ok()? as usize;
            let bytes = set.get(v + 4..(v + 4).checked_add(chars.checked_mul(2)?)?)?;
            Some(
                encoding_rs::UTF_16LE
                    .decode_without_bom_handling(bytes)
                    .0
                    .into_owned(),
            )
        }
        VT_I2 => Some(i16::from_le_bytes(set.get(v..v + 2)?.try_into().ok()?).to_string()),
        VT_I4 => Some(i32::from_le_bytes(set.get(v..v + 4)?.try_into().ok()?).to_string()),
        VT_BOOL => Some((u16_at(set, v, "").ok()? != 0).to_string()),
        _ => None,
    }
}

/// 8-bit strings in the set's code page: UTF-8 (65001) or, for anything
/// else, Windows-1252 (what Western Office writes).
fn decode8(bytes: &[u8], codepage: u16) -> String {
    if codepage == 65001 {
        String::from_utf8_lossy(bytes).into_owned()
    } else {
        encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned()
    }
}

/// The dictionary: count, then (id, length, name) entries; names are
/// 8-bit with a NUL, or UTF-16 padded to 4 bytes in code page 1200.
fn read_dictionary(set: &[u8], at: usize, codepage: u16) -> Option<Vec<(u32, String)>> {
    let count = u32_at(set, at, "").ok()? as usize;
    if count > MAX_PROPERTIES {
        return None;
    }
    let mut pos = at + 4;
    let mut names = Vec::with_capacity(count);
    for _ in 0..count {
        let id = u32_at(set, pos, "").ok()?;
        let len = u32_at(set, pos + 4, "").ok()? as usize;
        pos += 8;
        let name = if codepage == CODEPAGE_UTF16 {
            let bytes = set.get(pos..pos.checked_add(len.checked_mul(2)?)?)?;
            pos += (len * 2).div_ceil(4) * 4;
            encoding_rs::UTF_16LE
                .decode_without_bom_handling(bytes)
                .0
                .into_owned()
        } else {
            let bytes = set.get(pos..pos.checked_add(len)?)?;
            pos += len;
            decode8(bytes, codepage)
        };
        names.push((id, name.trim_end_matches('\0').to_owned()));
    }
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (id, value bytes as stored: type and data, or a dictionary's bare
    /// entries).
    type Props = Vec<(u32, Vec<u8>)>;

    /// A property stream with `sets`, each under its FMTID.
    fn stream(sets: &[([u8; 16], Props)]) -> Vec<u8> {
        let mut s = vec![0xFE, 0xFF, 0, 0, 6, 2, 0, 0];
        s.extend_from_slice(&[0; 16]);
        s.extend_from_slice(&(sets.len() as u32).to_le_bytes());
        let mut bodies = Vec::new();
        let mut offset = 28 + 20 * sets.len();
        for (fmtid, props) in sets {
            s.extend_from_slice(fmtid);
            s.extend_from_slice(&(offset as u32).to_le_bytes());
            let header = 8 + props.len() * 8;
            let (mut index, mut values) = (Vec::new(), Vec::new());
            for (id, v) in props {
                index.extend_from_slice(&id.to_le_bytes());
                index.extend_from_slice(&((header + values.len()) as u32).to_le_bytes());
                values.extend_from_slice(v);
                while values.len() % 4 != 0 {
                    values.push(0);
                }
            }
            let mut set = ((header + values.len()) as u32).to_le_bytes().to_vec();
            set.extend_from_slice(&(props.len() as u32).to_le_bytes());
            set.extend(index);
            set.extend(values);
            offset += set.len();
            bodies.extend(set);
        }
        s.extend(bodies);
        s
    }

    fn typed(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut v = kind.to_le_bytes().to_vec();
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(data);
        v
    }

    fn lpstr(s: &[u8]) -> Vec<u8> {
        let mut v = ((s.len() + 1) as u32).to_le_bytes().to_vec();
        v.extend_from_slice(s);
        v.push(0);
        typed(VT_LPSTR, &v)
    }

    #[test]
    fn summary_strings_numbers_and_code_pages() {
        let s = stream(&[(
            SUMMARY,
            vec![
                (1, typed(VT_I2, &1252u16.to_le_bytes())),
                (2, lpstr(b"Caf\xe9 payroll")),
                (4, lpstr(b"Dana Whitfield")),
                (5, lpstr(b"")),
                (14, typed(VT_I4, &7i32.to_le_bytes())),
                (0x13, typed(VT_BOOL, &[0xFF, 0xFF])),
            ],
        )]);
        let out = property_text(&s, 1 << 10).unwrap();
        // Unknown ids (14, 0x13) have no name in the summary table.
        assert_eq!(out.text, "Title: Café payroll\nAuthor: Dana Whitfield\n");
    }

    #[test]
    fn user_defined_properties_are_named_by_the_dictionary() {
        // A sensitivity label as Office keeps it in a legacy file: the
        // second set of DocumentSummaryInformation, named by its dictionary.
        let name = b"MSIP_Label_f42aa342_Enabled\0";
        let mut dict = 1u32.to_le_bytes().to_vec();
        dict.extend_from_slice(&2u32.to_le_bytes());
        dict.extend_from_slice(&(name.len() as u32).to_le_bytes());
        dict.extend_from_slice(name);
        let mut value = 5u32.to_le_bytes().to_vec();
        value.extend("true\0".encode_utf16().flat_map(u16::to_le_bytes));
        let user = [0x05u8; 16];
        let s = stream(&[
            (DOC_SUMMARY, vec![(15, lpstr(b"Acme Health"))]),
            (user, vec![(0, dict), (2, typed(VT_LPWSTR, &value))]),
        ]);
        let out = property_text(&s, 1 << 10).unwrap();
        assert_eq!(
            out.text,
            "Company: Acme Health\nMSIP_Label_f42aa342_Enabled: true\n"
        );
    }

    #[test]
    fn broken_sets_are_errors_not_panics() {
        assert!(property_text(b"\x01\x02", 99).is_err());
        let mut s = stream(&[(SUMMARY, vec![(2, lpstr(b"x"))])]);
        s[48 + 4..48 + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        let e = property_text(&s, 99).unwrap_err().to_string();
        assert!(e.contains("properties claimed"), "{e}");
        // A value running past the set is skipped, not read out of bounds.
        let mut s = stream(&[(SUMMARY, vec![(2, lpstr(b"Title text"))])]);
        s.truncate(s.len() - 6);
        assert_eq!(property_text(&s, 99).unwrap().text, "");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_respects_the_cap(
            data in proptest::collection::vec(proptest::num::u8::ANY, 0..600),
            cap in 0usize..200,
        ) {
            let mut d = data;
            if d.len() >= 2 {
                d[0] = 0xFE;
                d[1] = 0xFF;
            }
            if let Ok(out) = property_text(&d, cap) {
                proptest::prop_assert!(out.text.len() <= cap);
            }
        }
    }
}
