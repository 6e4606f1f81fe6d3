{{ config(incremental_strategy='merge', unique_key='event_id') }}
select event_id, user_id, event_type, amount, updated_at, {{ is_incremental() }} as loaded_incrementally
from {{ ref('events') }}
{% if is_incremental() %}
where updated_at > (select max(updated_at) from {{ this }})
{% endif %}
