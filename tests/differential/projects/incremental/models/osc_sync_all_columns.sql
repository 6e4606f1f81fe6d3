{{ config(incremental_strategy='delete+insert', unique_key='event_id', on_schema_change='sync_all_columns') }}
select event_id, user_id, amount, updated_at
from {{ ref('events') }}
{% if is_incremental() %}
where updated_at > (select max(updated_at) from {{ this }})
{% endif %}
