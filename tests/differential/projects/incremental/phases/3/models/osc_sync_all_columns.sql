{{ config(incremental_strategy='delete+insert', unique_key='event_id', on_schema_change='sync_all_columns') }}
-- phase 3 changes user_id's type (integer -> bigint)
select event_id, cast(user_id as bigint) as user_id, event_type, updated_at
from {{ ref('events') }}
{% if is_incremental() %}
where updated_at > (select max(updated_at) from {{ this }})
{% endif %}
