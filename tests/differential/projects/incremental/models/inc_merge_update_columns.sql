{{ config(incremental_strategy='merge', unique_key='event_id', merge_update_columns=['amount', 'updated_at']) }}
-- matched rows only get amount and updated_at: event_type keeps its first value
select event_id, user_id, event_type, amount, updated_at
from {{ ref('events') }}
{% if is_incremental() %}
where updated_at > (select max(updated_at) from {{ this }})
{% endif %}
