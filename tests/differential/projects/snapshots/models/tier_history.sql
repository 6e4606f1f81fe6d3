-- how many versions each key has in each snapshot
select 'check_all' as snap, id, count(*) as versions, count(*) filter (where dbt_valid_to = cast('9999-12-31' as timestamp)) as open_rows
from {{ ref('snap_check_all_invalidate') }} group by id
union all
select 'check_new_record', id, count(*), count(*) filter (where valid_to is null)
from {{ ref('snap_check_new_record') }} group by id
union all
select 'ts_new_record', id, count(*), count(*) filter (where dbt_valid_to is null)
from {{ ref('snap_ts_new_record') }} group by id
