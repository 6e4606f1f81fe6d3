{{ config(incremental_strategy='merge', unique_key='event_id', on_schema_change='fail') }}
-- on_schema_change=fail with a schema that never changes: a normal incremental model
select event_id, user_id, amount, updated_at
from {{ ref('events') }}
{% if is_incremental() %}
where updated_at > (select max(updated_at) from {{ this }})
{% endif %}
