{{ config(incremental_strategy='merge', unique_key='event_id', on_schema_change='append_new_columns') }}
select event_id, user_id, amount, updated_at
from {{ ref('events') }}
{% if is_incremental() %}
where updated_at > (select max(updated_at) from {{ this }})
{% endif %}
