__rethrow_casa_exceptions = True
context = h_init()
try:
    hifa_importdata(vis=['uid___A002_Xcf92df_X3453'], session=['session_2'], dbservice=False)
finally:
    h_save()
