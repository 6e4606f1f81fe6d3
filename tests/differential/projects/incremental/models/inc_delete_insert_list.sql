{{ config(incremental_strategy='delete+insert', unique_key=['user_id', 'event_type']) }}
select user_id, event_type, count(*) as n_events, sum(amount) as amount, max(updated_at) as last_updated_at
from {{ ref('events') }}
{% if is_incremental() %}
where updated_at > (select max(last_updated_at) from {{ this }})
{% endif %}
group by user_id, event_type
