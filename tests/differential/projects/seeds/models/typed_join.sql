select t.id, t.zip_code, t.zip_plain, a.zip_code as zip_code_as_int, t.amount, t.big_int, t.signup_day,
       t.flag, a.flag as flag_bool, t.pct, t.all_empty
from {{ ref('awkward_typed') }} t
join {{ ref('awkward') }} a using (id)
