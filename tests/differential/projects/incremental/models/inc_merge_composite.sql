{{ config(incremental_strategy='merge', unique_key=['user_id', 'event_date']) }}
-- daily totals per user, recomputed for the (user, day) pairs touched since the last run
with touched as (
    select distinct user_id, event_date from {{ ref('events') }}
    {% if is_incremental() %}
    where updated_at > (select max(last_updated_at) from {{ this }})
    {% endif %}
)
select e.user_id, e.event_date, count(*) as n_events, sum(e.amount) as amount, max(e.updated_at) as last_updated_at
from {{ ref('events') }} as e
join touched using (user_id, event_date)
group by e.user_id, e.event_date
