-- the open rows of two snapshots, as a table
select s.id, s.name, s.tier, s.dbt_valid_from, i.dbt_valid_to is null as open_in_invalidate
from {{ ref('snap_ts_ignore') }} as s
left join {{ ref('snap_ts_invalidate') }} as i on i.id = s.id and i.dbt_valid_to is null
where s.dbt_valid_to is null
