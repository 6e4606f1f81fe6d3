{% test row_count_between(model, min_rows=1, max_rows=1000000) %}
select n from (select count(*) as n from {{ model }}) as c
where n < {{ min_rows }} or n > {{ max_rows }}
{% endtest %}
