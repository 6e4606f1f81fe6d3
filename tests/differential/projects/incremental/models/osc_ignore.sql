{{ config(incremental_strategy='append', on_schema_change='ignore') }}
select event_id, user_id, amount, updated_at
from {{ ref('events') }}
{% if is_incremental() %}
where updated_at > (select max(updated_at) from {{ this }})
{% endif %}
