{{ config(incremental_strategy='merge', unique_key='event_id', on_schema_change='append_new_columns') }}
-- phase 2 adds event_type and drops amount: event_type is appended (NULL on old rows), amount stays
select event_id, user_id, event_type, updated_at
from {{ ref('events') }}
{% if is_incremental() %}
where updated_at > (select max(updated_at) from {{ this }})
{% endif %}
