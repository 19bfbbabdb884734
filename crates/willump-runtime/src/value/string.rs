//! String columns in Arrow's layout: one contiguous UTF-8 buffer, `len + 1` offsets into it, and
//! an optional validity bitmap. A missing value (null) is distinct from the empty string.

use serde::{Deserialize, Serialize};

use super::Bitmap;
#[cfg(test)]
use super::CsrMatrix;
use crate::error::{Error, Result};

/// A column of UTF-8 strings, possibly with missing values.
///
/// Invariants, checked by every constructor: `offsets` has `len + 1` entries, never decreases,
/// ends inside `data`, and every offset falls on a UTF-8 character boundary of a valid UTF-8
/// buffer; the validity bitmap, when present, has `len` bits. A null row's slice is ignored
/// (constructors here make it empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "StringColumnParts")]
pub struct StringColumn {
    data: Vec<u8>,
    offsets: Vec<u32>,
    validity: Option<Bitmap>,
}

/// The serialized form, checked by [`StringColumn::try_new`] on load: a corrupt artifact is an
/// error, never an unchecked string.
#[derive(Deserialize)]
struct StringColumnParts {
    data: Vec<u8>,
    offsets: Vec<u32>,
    validity: Option<Bitmap>,
}

impl TryFrom<StringColumnParts> for StringColumn {
    type Error = Error;
    fn try_from(p: StringColumnParts) -> Result<Self> {
        StringColumn::try_new(p.data, p.offsets, p.validity)
    }
}

impl Default for StringColumn {
    fn default() -> Self {
        StringColumn { data: Vec::new(), offsets: vec![0], validity: None }
    }
}

impl StringColumn {
    /// Builds a column from raw parts, checking every invariant. `column` names the column in
    /// the error.
    pub fn try_new(data: Vec<u8>, offsets: Vec<u32>, validity: Option<Bitmap>) -> Result<Self> {
        const OP: &str = "StringColumn::try_new";
        let bad = |m: String| Error::invalid(OP, "offsets", m);
        let Some(&first) = offsets.first() else {
            return Err(bad("offsets must have at least one entry (len + 1)".into()));
        };
        let last = *offsets.last().unwrap_or(&first);
        if last as usize > data.len() {
            return Err(bad(format!("last offset {last} is past the end of the {}-byte buffer", data.len())));
        }
        if let Some(i) = offsets.windows(2).position(|w| w[1] < w[0]) {
            return Err(bad(format!("offsets decrease at row {i}: {} > {}", offsets[i], offsets[i + 1])));
        }
        let text = std::str::from_utf8(&data[first as usize..last as usize])
            .map_err(|e| Error::invalid(OP, "data", format!("invalid UTF-8: {e}")))?;
        for (i, &o) in offsets.iter().enumerate() {
            if !text.is_char_boundary((o - first) as usize) {
                return Err(bad(format!("offset {o} (row boundary {i}) splits a UTF-8 character")));
            }
        }
        if let Some(v) = validity.as_ref().filter(|v| v.len() != offsets.len() - 1) {
            return Err(Error::invalid(
                OP,
                "validity",
                format!("validity has {} bits for {} rows", v.len(), offsets.len() - 1),
            ));
        }
        Ok(StringColumn { data, offsets, validity })
    }

    /// A column of non-null strings.
    pub fn from_strs<S: AsRef<str>>(values: &[S]) -> Self {
        let mut b = StringColumnBuilder::with_capacity(values.len(), 0);
        for v in values {
            b.push(v.as_ref());
        }
        b.finish()
    }

    /// A column where `None` is a missing value.
    pub fn from_options<S: AsRef<str>>(values: &[Option<S>]) -> Self {
        let mut b = StringColumnBuilder::with_capacity(values.len(), 0);
        for v in values {
            match v {
                Some(s) => b.push(s.as_ref()),
                None => b.push_null(),
            }
        }
        b.finish()
    }

    /// Number of rows.
    #[inline]
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether row `i` holds a value (not missing).
    #[inline]
    pub fn is_valid(&self, i: usize) -> bool {
        self.validity.as_ref().is_none_or(|v| v.get(i))
    }

    /// Row `i`'s string, or `None` when it is missing. Panics when `i >= len`.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&str> {
        if self.is_valid(i) { Some(self.value(i)) } else { None }
    }

    /// Row `i`'s string slice, ignoring validity (a missing row gives its stored slice, empty when
    /// built here). Panics when `i >= len`.
    #[inline]
    pub fn value(&self, i: usize) -> &str {
        let (s, e) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
        // SAFETY: constructors check that the buffer between the first and last offsets is valid
        // UTF-8 and that every offset is a character boundary, and the fields are never mutated.
        unsafe { std::str::from_utf8_unchecked(&self.data[s..e]) }
    }

    /// Iterates rows as `Option<&str>` (`None` = missing).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<&str>> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    /// The UTF-8 byte buffer.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The `len + 1` offsets into [`data`](Self::data).
    pub fn offsets(&self) -> &[u32] {
        &self.offsets
    }

    /// The validity bitmap (`None` = every row valid).
    pub fn validity(&self) -> Option<&Bitmap> {
        self.validity.as_ref()
    }

    /// Number of missing rows.
    pub fn null_count(&self) -> usize {
        self.validity.as_ref().map_or(0, Bitmap::count_clear)
    }

    /// The rows at `rows`, in that order (rows may repeat). Errors when an index is out of range.
    pub fn take(&self, rows: &[usize]) -> Result<StringColumn> {
        let n = self.len();
        if let Some(&bad) = rows.iter().find(|&&r| r >= n) {
            return Err(Error::invalid("take", "rows", format!("row index {bad} out of range for {n} rows")));
        }
        let mut b = StringColumnBuilder::with_capacity(rows.len(), 0);
        for &r in rows {
            match self.get(r) {
                Some(s) => b.push(s),
                None => b.push_null(),
            }
        }
        Ok(b.finish())
    }
}

impl From<&[&str]> for StringColumn {
    fn from(v: &[&str]) -> Self {
        StringColumn::from_strs(v)
    }
}

impl From<Vec<&str>> for StringColumn {
    fn from(v: Vec<&str>) -> Self {
        StringColumn::from_strs(&v)
    }
}

impl From<Vec<String>> for StringColumn {
    fn from(v: Vec<String>) -> Self {
        StringColumn::from_strs(&v)
    }
}

impl From<&[String]> for StringColumn {
    fn from(v: &[String]) -> Self {
        StringColumn::from_strs(v)
    }
}

impl From<Vec<Option<String>>> for StringColumn {
    fn from(v: Vec<Option<String>>) -> Self {
        StringColumn::from_options(&v)
    }
}

/// Appends strings into a [`StringColumn`] without a per-row allocation.
#[derive(Debug, Clone)]
pub struct StringColumnBuilder {
    data: String,
    offsets: Vec<u32>,
    validity: Option<Bitmap>,
}

impl Default for StringColumnBuilder {
    fn default() -> Self {
        Self::with_capacity(0, 0)
    }
}

impl StringColumnBuilder {
    /// A builder with room for `rows` rows and `bytes` bytes.
    pub fn with_capacity(rows: usize, bytes: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        StringColumnBuilder { data: String::with_capacity(bytes), offsets, validity: None }
    }

    /// Appends one value. Panics if the buffer would pass 4 GiB (u32 offsets).
    pub fn push(&mut self, s: &str) {
        self.data.push_str(s);
        self.end_row(true);
    }

    /// Appends the bytes written into [`buffer`](Self::buffer) since the last row as one value.
    pub fn finish_row(&mut self) {
        self.end_row(true);
    }

    /// The text buffer, for writing a row in place (followed by [`finish_row`](Self::finish_row)).
    /// Only append to it: the bytes written since the last row become the next row.
    pub fn buffer(&mut self) -> &mut String {
        &mut self.data
    }

    /// Appends a missing value.
    pub fn push_null(&mut self) {
        let n = self.offsets.len() - 1;
        let validity = self.validity.get_or_insert_with(|| Bitmap::new_valid(n));
        validity.push(false);
        let end = self.data.len();
        self.offsets.push(u32::try_from(end).expect("string column larger than 4 GiB"));
    }

    fn end_row(&mut self, valid: bool) {
        let end = u32::try_from(self.data.len()).expect("string column larger than 4 GiB");
        self.offsets.push(end);
        if let Some(v) = &mut self.validity {
            v.push(valid);
        }
    }

    /// Number of rows so far.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether no rows were appended.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The finished column.
    pub fn finish(self) -> StringColumn {
        StringColumn { data: self.data.into_bytes(), offsets: self.offsets, validity: self.validity }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_is_not_empty() {
        let c = StringColumn::from_options(&[Some("a"), None, Some("")]);
        assert_eq!(c.len(), 3);
        assert_eq!(c.get(0), Some("a"));
        assert_eq!(c.get(1), None);
        assert_eq!(c.get(2), Some(""));
        assert_eq!(c.null_count(), 1);
    }

    #[test]
    fn non_ascii_round_trip() {
        let v = ["héllo", "😀 emoji", "", "日本語"];
        let c = StringColumn::from(&v[..]);
        assert_eq!(c.iter().collect::<Vec<_>>(), v.iter().map(|s| Some(*s)).collect::<Vec<_>>());
    }

    #[test]
    fn construction_checks_offsets() {
        let err = |d: &[u8], o: Vec<u32>| StringColumn::try_new(d.to_vec(), o, None).unwrap_err().to_string();
        assert!(err(b"abc", vec![]).contains("at least one entry"));
        assert!(err(b"abc", vec![0, 4]).contains("past the end"));
        assert!(err(b"abc", vec![0, 2, 1]).contains("decrease"));
        assert!(err("é".as_bytes(), vec![0, 1, 2]).contains("splits a UTF-8 character"));
        assert!(err(&[0xff, 0xfe], vec![0, 2]).contains("invalid UTF-8"));
        let v = Some(Bitmap::new_valid(3));
        assert!(StringColumn::try_new(b"ab".to_vec(), vec![0, 1, 2], v).unwrap_err().to_string().contains("validity"));
        assert!(StringColumn::try_new(b"ab".to_vec(), vec![0, 1, 2], None).is_ok());
    }

    #[test]
    fn builder_in_place_rows() {
        let mut b = StringColumnBuilder::default();
        b.buffer().push_str("xy");
        b.finish_row();
        b.push_null();
        b.push("z");
        let c = b.finish();
        assert_eq!(c.iter().collect::<Vec<_>>(), vec![Some("xy"), None, Some("z")]);
        assert_eq!(c.take(&[2, 0, 2]).unwrap().iter().collect::<Vec<_>>(), vec![Some("z"), Some("xy"), Some("z")]);
        assert!(c.take(&[3]).is_err());
    }
}

#[cfg(test)]
mod serde_tests {
    use super::*;

    #[test]
    fn corrupt_serialized_columns_are_rejected() {
        let ok = serde_json::to_string(&StringColumn::from_strs(&["é", "x"])).unwrap();
        assert!(serde_json::from_str::<StringColumn>(&ok).is_ok());
        // Offsets splitting the two-byte "é", and bytes that are not UTF-8.
        let split = r#"{"data":[195,169,120],"offsets":[0,1,3],"validity":null}"#;
        assert!(serde_json::from_str::<StringColumn>(split).unwrap_err().to_string().contains("splits"));
        let bad = r#"{"data":[255],"offsets":[0,1],"validity":null}"#;
        assert!(serde_json::from_str::<StringColumn>(bad).is_err());
        let csr = r#"{"n_rows":1,"n_cols":2,"indptr":[0,1],"indices":[5],"data":[1.0]}"#;
        assert!(serde_json::from_str::<CsrMatrix>(csr).is_err());
        let bits = r#"{"words":[255],"len":3}"#;
        assert!(serde_json::from_str::<Bitmap>(bits).is_err());
        let col = r#"{"values":[1.0,2.0],"validity":{"words":[1],"len":1}}"#;
        assert!(serde_json::from_str::<crate::value::F64Column>(col).is_err());
    }
}
