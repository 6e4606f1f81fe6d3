{{ config(incremental_strategy='delete+insert', unique_key='event_id', on_schema_change='sync_all_columns') }}
-- phase 2 adds event_type and drops amount: both synced
select event_id, user_id, event_type, updated_at
from {{ ref('events') }}
{% if is_incremental() %}
where updated_at > (select max(updated_at) from {{ this }})
{% endif %}
