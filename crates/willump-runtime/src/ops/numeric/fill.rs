//! Replacing missing values with a constant.

use willump_ir::params::numeric::FillMissingParams;
use willump_ir::params::table::Scalar;

use crate::error::{Error, Result};
use crate::value::{Column, PrimitiveColumn, StringColumnBuilder};

const OP: &str = "fill_missing";

/// Replaces every missing row with `params.value`, keeping the column's type; the output has no
/// missing rows.
///
/// - f64 column: the value is `F64` or `I64` (converted); with `fill_nan`, NaN is replaced too
///   (`+-inf` never are).
/// - i64 column: `I64`; bool column: `Bool`; string column: `Str` (the empty string is a value
///   like any other). `fill_nan` has no effect on these types (they hold no NaN).
///
/// Errors (naming `fill_missing` and the column): a value of another type, or
/// [`Scalar::Missing`] as the value.
pub fn fill_missing(params: &FillMissingParams, column: &Column, name: &str) -> Result<Column> {
    let mismatch = || {
        Error::invalid(
            OP,
            name,
            format!("cannot fill a {} column with a {} value", column.column_type(), params.value.type_name()),
        )
    };
    Ok(match (column, &params.value) {
        (_, Scalar::Missing) => {
            return Err(Error::invalid(OP, name, "the fill value is `Missing`, which would fill nothing"));
        }
        (Column::F64(c), Scalar::F64(_) | Scalar::I64(_)) => {
            let fill = match params.value {
                Scalar::F64(v) => v,
                Scalar::I64(v) => v as f64,
                _ => unreachable!("matched above"),
            };
            let mut values = c.values().to_vec();
            if params.fill_nan {
                for v in values.iter_mut().filter(|v| v.is_nan()) {
                    *v = fill;
                }
            }
            fill_slots(&mut values, c, fill);
            Column::F64(PrimitiveColumn::new(values))
        }
        (Column::I64(c), Scalar::I64(v)) => Column::I64(PrimitiveColumn::new(filled(c, *v))),
        (Column::Bool(c), Scalar::Bool(v)) => Column::Bool(PrimitiveColumn::new(filled(c, *v))),
        (Column::Str(c), Scalar::Str(v)) => {
            let mut b = StringColumnBuilder::with_capacity(c.len(), c.data().len());
            for i in 0..c.len() {
                b.push(c.get(i).unwrap_or(v));
            }
            Column::Str(b.finish())
        }
        _ => return Err(mismatch()),
    })
}

fn filled<T: Copy + Default>(c: &PrimitiveColumn<T>, fill: T) -> Vec<T> {
    let mut values = c.values().to_vec();
    fill_slots(&mut values, c, fill);
    values
}

/// Writes `fill` into every missing slot of `values` (a copy of `c`'s values).
fn fill_slots<T: Copy + Default>(values: &mut [T], c: &PrimitiveColumn<T>, fill: T) {
    if let Some(validity) = c.validity() {
        validity.for_each_clear(|i| values[i] = fill);
    }
}
