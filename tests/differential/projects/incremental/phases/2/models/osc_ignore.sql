{{ config(incremental_strategy='append', on_schema_change='ignore') }}
-- phase 2 adds event_type: ignored, the table keeps its phase-1 columns
select event_id, user_id, event_type, amount, updated_at
from {{ ref('events') }}
{% if is_incremental() %}
where updated_at > (select max(updated_at) from {{ this }})
{% endif %}
