{{ config(incremental_strategy='append') }}
-- updated events are appended again: duplicates by event_id on purpose
select event_id, user_id, event_type, amount, updated_at
from {{ ref('events') }}
{% if is_incremental() %}
where updated_at > (select max(updated_at) from {{ this }})
{% endif %}
